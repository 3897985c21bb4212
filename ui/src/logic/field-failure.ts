/**
 * Why a field's analysis failed, in the catalogue's words: the daemon's `error` is English for the
 * technician's log (and stays there), the nurse reads what to do.
 */
import type { MessageKey } from '../i18n/en.ts';

export function fieldFailureKey(error: string | null): MessageKey {
  // The daemon stopped during the analysis again and again (src/box/workflow/analysis-results.ts).
  if (error && /\binterrupted\b/.test(error)) return 'failure.interrupted';
  return 'failure.other';
}
