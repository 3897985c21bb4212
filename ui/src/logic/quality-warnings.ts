import type { QualityWarning } from '../api/types.ts';
import { en, type MessageKey } from '../i18n/en.ts';

/** A quality warning in the nurse's language; the daemon's English text for a code (or reason) the kiosk does not know. */
export function qualityWarningText(w: QualityWarning, t: (key: MessageKey) => string): string {
  const keys = w.reason ? [`quality.${w.code}.${w.reason}`, `quality.${w.code}`] : [`quality.${w.code}`];
  const known = keys.find((k) => k in en);
  return known ? t(known as MessageKey) : w.message;
}
