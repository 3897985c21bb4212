import { describe, expect, it } from 'vitest';
import { ApiError } from '../../ui/src/api/client.ts';
import { en, type Message } from '../../ui/src/i18n/en.ts';
import { describeError } from '../../ui/src/i18n/errors.ts';
import { fr } from '../../ui/src/i18n/fr.ts';
import { I18n, translate } from '../../ui/src/i18n/i18n.ts';

const placeholders = (m: Message) => new Set((typeof m === 'string' ? m : `${m.one} ${m.other}`).match(/\{\w+\}/g) ?? []);

describe('catalogues', () => {
  it('French has every English key, in the same shape, with the same placeholders, none empty', () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
    for (const [key, message] of Object.entries(en)) {
      const other = fr[key as keyof typeof en];
      expect(typeof other, key).toBe(typeof message);
      expect([...placeholders(other)].sort(), key).toEqual([...placeholders(message)].sort());
      for (const text of typeof other === 'string' ? [other] : [other.one, other.other]) expect(text.trim(), key).not.toBe('');
    }
  });

  it('fills placeholders, formats numbers for the language and picks plural forms', () => {
    expect(translate('en', 'home.fields', { n: 1 })).toBe('1 field');
    expect(translate('en', 'home.fields', { n: 3 })).toBe('3 fields');
    expect(translate('fr', 'home.fields', { n: 0 })).toBe('0 champ');
    expect(translate('fr', 'home.fields', { n: 2 })).toBe('2 champs');
    expect(translate('fr', 'sheet.confidence', { value: 45.5 })).toBe('Confiance 45,5 %');
    expect(translate('en', 'diff.counted', { n: 1234, target: 100 })).toBe('1,234 of 100 cells');
    expect(translate('en', 'capture.failed')).toBe('The analysis failed: {message}');
  });

  it('switches language without a reload, tells its listeners, and remembers the choice', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const i18n = new I18n('en', storage);
    let changes = 0;
    i18n.addEventListener('change', () => changes++);
    i18n.setLang('fr');
    i18n.setLang('fr');
    expect(changes).toBe(1);
    expect(i18n.t('top.back')).toBe('Retour');
    expect(new I18n('en', storage).lang).toBe('fr');
  });

  it('puts the API’s refusals in the nurse’s language, and keeps the message of an unknown one', () => {
    const fr = new I18n('fr');
    expect(describeError(fr, new ApiError(403, 'wrong_pin', 'unknown user or wrong PIN (4 tries left)'))).toBe('Code incorrect.');
    expect(describeError(fr, new ApiError(400, 'box_weird', 'a box'))).toBe('Une erreur est survenue : a box');
    expect(describeError(fr, new Error('plain'))).toBe('plain');
  });
});

describe('decimal separator', () => {
  it('is the language’s', () => {
    expect(new I18n('en').decimalSeparator).toBe('.');
    expect(new I18n('fr').decimalSeparator).toBe(',');
  });
});
