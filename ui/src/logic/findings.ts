/**
 * The differential's findings as catalogue keys, so they read in the nurse's language (the API's
 * `flags` are English sentences): cells to check, values outside the reference ranges,
 * unclassified cells, a count below the target.
 */
import type { Differential } from '../api/types.ts';
import type { MessageKey } from '../i18n/en.ts';

export interface Finding {
  key: MessageKey;
  vars: Record<string, string | number>;
  /** For a range finding: the type, to name it in the language. */
  typeKey?: MessageKey;
}

export function findings(d: Differential): Finding[] {
  const out: Finding[] = [];
  if (d.review.pending) out.push({ key: 'flag.review', vars: { n: d.review.pending } });
  for (const row of d.rows) {
    if (!row.flag || !row.range) continue;
    out.push({
      key: row.flag === 'high' ? 'flag.high' : 'flag.low',
      vars: { percent: row.percent, low: row.range.percent.low, high: row.range.percent.high },
      typeKey: `type.${row.type}`,
    });
  }
  const unclassified = d.rows.find((r) => r.type === 'unclassified')?.count ?? 0;
  if (unclassified) out.push({ key: 'flag.unclassified', vars: { n: unclassified } });
  if (d.counted < d.target) out.push({ key: 'flag.belowTarget', vars: { n: d.counted, target: d.target } });
  return out;
}
