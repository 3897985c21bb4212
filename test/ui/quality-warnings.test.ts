import { describe, expect, it } from 'vitest';
import { translate } from '../../ui/src/i18n/i18n.ts';
import { qualityWarningText } from '../../ui/src/logic/quality-warnings.ts';
import { SCALE_RANGE_REASONS } from '../../src/core/analysis/quality.ts';
import { scaleWarnings } from '../../src/core/analysis/field-scale.ts';

const fr = (key: Parameters<typeof translate>[1]) => translate('fr', key);

describe('a quality warning in the nurse language', () => {
  it('names the fix of each out-of-range scale in French, not the daemon English', () => {
    const texts = [0.9, 0.01].map((um) => qualityWarningText(scaleWarnings({ umPerPixel: um, source: 'given', rbcCount: 0 }, false)[0], fr));
    texts.push(qualityWarningText(scaleWarnings({ umPerPixel: 0.1, source: 'given', rbcCount: 0 }, true)[0], fr));
    expect(texts).toEqual([expect.stringMatching(/^Grossissement trop faible/), expect.stringMatching(/^Grossissement trop fort/), expect.stringMatching(/^Champ trop grand/)]);
    for (const reason of SCALE_RANGE_REASONS) expect(translate('en', `quality.scale_out_of_range.${reason}`)).not.toBe(translate('fr', `quality.scale_out_of_range.${reason}`));
  });

  it('translates a code it knows, also without a reason (a field analysed before reasons existed), and shows the daemon text for one it does not', () => {
    expect(qualityWarningText({ code: 'too_dark', message: 'too dark' }, fr)).toMatch(/^Trop sombre/);
    expect(qualityWarningText({ code: 'scale_out_of_range', message: 'magnification too low' }, fr)).toMatch(/^Grossissement inadapté/);
    expect(qualityWarningText({ code: 'scale_out_of_range', reason: 'sideways', message: 'sideways' }, fr)).toMatch(/^Grossissement inadapté/);
    expect(qualityWarningText({ code: 'new_code', message: 'something new' }, fr)).toBe('something new');
  });
});
