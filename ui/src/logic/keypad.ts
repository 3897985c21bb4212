/**
 * What a key tap does to a typed value, for the on-screen keypads and keyboards (the kiosk has no
 * physical keyboard). One set of rules per kind of entry.
 */
export type KeyAction = { kind: 'char'; char: string } | { kind: 'backspace' } | { kind: 'clear' };

export interface EntryRules {
  maxLength: number;
  /** Characters accepted one by one (a scanner's or a key's). */
  allowed: RegExp;
  /** For decimal numbers: digits allowed after the separator '.'. */
  maxDecimals?: number;
}

export const REFERENCE_RULES: EntryRules = { maxLength: 64, allowed: /^[A-Za-z0-9\-/._ ]$/ };
export const PATIENT_RULES: EntryRules = { maxLength: 64, allowed: /^[A-Za-z0-9\-/._ ]$/ };
export const NAME_RULES: EntryRules = { maxLength: 60, allowed: /^[\p{L}\p{M}0-9\-.' ]$/u };
export const PIN_RULES: EntryRules = { maxLength: 12, allowed: /^[0-9]$/ };
export const INTEGER_RULES: EntryRules = { maxLength: 4, allowed: /^[0-9]$/ };
export const DECIMAL_RULES: EntryRules = { maxLength: 7, allowed: /^[0-9.]$/, maxDecimals: 2 };

export const MIN_PIN_LENGTH = 4;

export function applyKey(value: string, action: KeyAction, rules: EntryRules): string {
  switch (action.kind) {
    case 'clear':
      return '';
    case 'backspace':
      return value.slice(0, -1);
    case 'char':
      return appendChar(value, action.char, rules);
  }
}

function appendChar(value: string, char: string, rules: EntryRules): string {
  if (char.length !== 1 || !rules.allowed.test(char) || value.length >= rules.maxLength) return value;
  if (char === ' ' && (value === '' || value.endsWith(' '))) return value;
  if (rules.maxDecimals !== undefined) {
    if (char === '.') {
      if (rules.maxDecimals === 0 || value.includes('.')) return value;
      return value === '' ? '0.' : `${value}.`;
    }
    const dot = value.indexOf('.');
    if (dot >= 0 && value.length - dot - 1 >= rules.maxDecimals) return value;
    // "0" followed by a digit is that digit: no leading zeros.
    if (value === '0') return char;
  }
  return value + char;
}

/** The keys show capitals; a name reads "Marie-Claire Dupont": a capital starts each word, the rest is lower case. */
export function nameCase(name: string, action: KeyAction): KeyAction {
  if (action.kind !== 'char') return action;
  const startsWord = name === '' || /[\s-]$/.test(name);
  return { kind: 'char', char: startsWord ? action.char.toUpperCase() : action.char.toLowerCase() };
}

/** Text typed or scanned in one go (a barcode scanner's characters): each one through applyKey. */
export function applyText(value: string, text: string, rules: EntryRules): string {
  let out = value;
  for (const char of text) out = applyKey(out, { kind: 'char', char }, rules);
  return out;
}

export function parseDecimal(value: string): number | null {
  if (value === '' || value === '.' || !/^\d*\.?\d*$/.test(value)) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export function isPinComplete(pin: string): boolean {
  return pin.length >= MIN_PIN_LENGTH && pin.length <= PIN_RULES.maxLength && /^[0-9]+$/.test(pin);
}

/** Letter rows of the on-screen keyboard, as the nurse knows them from her language's keyboards. */
export const LETTER_ROWS: Record<'en' | 'fr', string[]> = {
  en: ['QWERTYUIOP', 'ASDFGHJKL', 'ZXCVBNM'],
  fr: ['AZERTYUIOP', 'QSDFGHJKLM', 'WXCVBN'],
};
export const DIGIT_ROW = '1234567890';
/** The numeric keypad, phone layout; '' leaves a gap. */
export const KEYPAD_ROWS = ['123', '456', '789'];
