/**
 * A sample's place in the reviewers' worklist, from its report: cells for a haematologist's
 * attention (blasts, immature granulocytes, NRBC) come first, then any other flag of the
 * differential, then the rest. Stored with the sample's newest revision so the list orders in SQL.
 */
import { classTitle } from '../../contracts/cell-names.ts';

/** 2: cells for attention; 1: flags only; 0: nothing raised. */
export type SamplePriority = { priority: 0 | 1 | 2; reason: string | null };

interface DifferentialPart {
  differential?: { attention?: { type: string; count: number }[]; flags?: string[] } | null;
}

const MAX_REASON = 200;

export function samplePriority(payload: unknown): SamplePriority {
  const d = (payload as DifferentialPart | null)?.differential;
  const attention = (d?.attention ?? []).filter((a) => a.count > 0);
  const flags = d?.flags ?? [];
  if (attention.length) return { priority: 2, reason: clip(attention.map((a) => `${classTitle(a.type)} ${a.count}`).join(', ')) };
  if (flags.length) return { priority: 1, reason: clip(flags.length === 1 ? flags[0] : `${flags[0]} (+${flags.length - 1} more)`) };
  return { priority: 0, reason: null };
}

const clip = (text: string) => (text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text);
