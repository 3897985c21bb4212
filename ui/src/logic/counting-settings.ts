/**
 * Editing the counting settings on the keypad: the count target, the field overlap allowed (typed
 * as a whole percentage, sent as a share) and the idle lock in minutes. The limits are the daemon's
 * (src/box/workflow/settings.ts and the PATCH /api/settings schema).
 */
import type { Settings } from '../api/types.ts';
import type { EntryRules } from './keypad.ts';

export const COUNTING_FIELDS = ['targetCount', 'maxFieldOverlap', 'idleLockMinutes'] as const;
export type CountingField = (typeof COUNTING_FIELDS)[number];
export type CountingDraft = Record<CountingField, string>;

/** What the nurse types, in the unit she sees (a percentage for the overlap). */
export const COUNTING_LIMITS: Record<CountingField, { min: number; max: number }> = {
  targetCount: { min: 10, max: 1000 },
  maxFieldOverlap: { min: 5, max: 95 },
  idleLockMinutes: { min: 1, max: 240 },
};

/** The daemon's default, for a daemon that does not report the idle lock. */
const DEFAULT_IDLE_LOCK_MINUTES = 10;

/** The settings these read: the target and the overlap; the idle lock may be missing (a daemon from before it). */
type CountingSettings = Partial<Settings> & Pick<Settings, 'targetCount' | 'maxFieldOverlap'>;

/** Whole numbers only, no longer than the largest value allowed. */
export const COUNTING_RULES: Record<CountingField, EntryRules> = Object.fromEntries(
  COUNTING_FIELDS.map((f) => [f, { maxLength: String(COUNTING_LIMITS[f].max).length, allowed: /^[0-9]$/ }]),
) as Record<CountingField, EntryRules>;

export function countingDraftOf(settings: CountingSettings): CountingDraft {
  return {
    targetCount: String(settings.targetCount),
    maxFieldOverlap: String(Math.round(settings.maxFieldOverlap * 100)),
    idleLockMinutes: String(settings.idleLockMinutes ?? DEFAULT_IDLE_LOCK_MINUTES),
  };
}

/** The whole number typed, or null when it is missing or outside the field's limits. */
export function parseCountingValue(field: CountingField, text: string): number | null {
  if (!/^[0-9]+$/.test(text)) return null;
  const n = Number(text);
  const { min, max } = COUNTING_LIMITS[field];
  return n >= min && n <= max ? n : null;
}

/**
 * The settings that differ from the current ones, as PATCH /api/settings takes them (the overlap as
 * a share); null while a value is missing or out of its limits. Empty when nothing changed.
 */
export function countingChanges(draft: CountingDraft, current: CountingSettings): Partial<Settings> | null {
  const was = countingDraftOf(current);
  const out: Partial<Settings> = {};
  for (const field of COUNTING_FIELDS) {
    const n = parseCountingValue(field, draft[field]);
    if (n === null) return null;
    if (n === Number(was[field])) continue;
    if (field === 'maxFieldOverlap') out.maxFieldOverlap = n / 100;
    else out[field] = n;
  }
  return out;
}
