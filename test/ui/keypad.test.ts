import { describe, expect, it } from 'vitest';
import {
  applyKey,
  applyText,
  DECIMAL_RULES,
  DIGIT_ROW,
  INTEGER_RULES,
  isPinComplete,
  KEYPAD_ROWS,
  LETTER_ROWS,
  nameCase,
  parseDecimal,
  PIN_RULES,
  REFERENCE_RULES,
  type KeyAction,
} from '../../ui/src/logic/keypad.ts';

const char = (c: string): KeyAction => ({ kind: 'char', char: c });

describe('on-screen keypad entry', () => {
  it('appends allowed characters, deletes the last one, clears', () => {
    let v = '';
    for (const c of 'S-1/2.b') v = applyKey(v, char(c), REFERENCE_RULES);
    expect(v).toBe('S-1/2.b');
    expect(applyKey(v, { kind: 'backspace' }, REFERENCE_RULES)).toBe('S-1/2.');
    expect(applyKey(v, { kind: 'clear' }, REFERENCE_RULES)).toBe('');
    expect(applyKey('', { kind: 'backspace' }, REFERENCE_RULES)).toBe('');
  });

  it('refuses characters outside the rules and beyond the maximum length', () => {
    expect(applyKey('12', char('a'), PIN_RULES)).toBe('12');
    expect(applyKey('S', char('<'), REFERENCE_RULES)).toBe('S');
    expect(applyKey('123456789012', char('3'), PIN_RULES)).toBe('123456789012');
    expect(applyKey('AB', char('CD'), REFERENCE_RULES)).toBe('AB');
  });

  it('keeps spaces single and never leading', () => {
    expect(applyKey('', char(' '), REFERENCE_RULES)).toBe('');
    expect(applyKey('A ', char(' '), REFERENCE_RULES)).toBe('A ');
    expect(applyKey('A', char(' '), REFERENCE_RULES)).toBe('A ');
  });

  it('types decimals: one separator, a leading 0, at most two decimals, no leading zeros', () => {
    let v = applyKey('', char('.'), DECIMAL_RULES);
    expect(v).toBe('0.');
    v = applyText(v, '5.79', DECIMAL_RULES);
    expect(v).toBe('0.57');
    expect(applyKey('0', char('7'), DECIMAL_RULES)).toBe('7');
    expect(applyKey('0', char('.'), DECIMAL_RULES)).toBe('0.');
    expect(applyKey('12', char('.'), INTEGER_RULES)).toBe('12');
  });

  it('parses what was typed', () => {
    expect(parseDecimal('7.5')).toBe(7.5);
    expect(parseDecimal('0.')).toBe(0);
    expect(parseDecimal('')).toBeNull();
    expect(parseDecimal('.')).toBeNull();
    expect(parseDecimal('1.2.3')).toBeNull();
  });

  it('filters scanned text through the same rules', () => {
    expect(applyText('', 'S-2002\t<x>', REFERENCE_RULES)).toBe('S-2002x');
  });

  it('knows a complete PIN: 4 to 12 digits', () => {
    expect(isPinComplete('123')).toBe(false);
    expect(isPinComplete('1234')).toBe(true);
    expect(isPinComplete('123456789012')).toBe(true);
    expect(isPinComplete('1234567890123')).toBe(false);
    expect(isPinComplete('12a4')).toBe(false);
  });

  it('capitalises names word by word from capital keys', () => {
    let name = '';
    for (const c of 'MARIE-CLAIRE DU') name = applyKey(name, nameCase(name, char(c)), { maxLength: 60, allowed: /^[\p{L} -]$/u });
    expect(name).toBe('Marie-Claire Du');
    expect(nameCase('Ab', { kind: 'backspace' })).toEqual({ kind: 'backspace' });
  });

  it('lays out every letter once per language, and the ten digits', () => {
    for (const rows of Object.values(LETTER_ROWS)) expect(rows.join('').split('').sort().join('')).toBe('ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    expect(DIGIT_ROW.split('').sort().join('')).toBe('0123456789');
    expect(KEYPAD_ROWS.join('')).toBe('123456789');
  });
});
