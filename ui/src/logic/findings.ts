/**
 * The differential's findings as catalogue keys, so they read in the nurse's language (the API's
 * `flags` are English sentences): cells to check, blasts, immature granulocytes or NRBC for a
 * haematologist, values outside the reference ranges, unidentified cells, a count below the target.
 */
import type { Differential } from '../api/types.ts';
import type { MessageKey } from '../i18n/en.ts';
import type { Vars } from '../i18n/i18n.ts';

export interface Finding {
  key: MessageKey;
  vars: Record<string, string | number>;
  /** For a range finding: the type, to name it in the language. */
  typeKey?: MessageKey;
  /** For the haematologist's finding: the classes present, NRBC per 100 leukocytes. */
  attention?: { typeKey: MessageKey; count: number; per100?: number }[];
}

export function findings(d: Differential): Finding[] {
  const out: Finding[] = [];
  if (d.review.pending) out.push({ key: 'flag.review', vars: { n: d.review.pending } });
  const attention = attentionOf(d);
  if (attention.length) out.push({ key: 'flag.attention', vars: {}, attention });
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

function attentionOf(d: Differential): NonNullable<Finding['attention']> {
  const per100 = d.nonLeukocytes?.find((r) => r.type === 'nrbc')?.per100 ?? null;
  return (d.attention ?? []).map(({ type, count }) => ({ typeKey: `type.${type}` as const, count, ...(type === 'nrbc' && per100 !== null ? { per100 } : {}) }));
}

/** A finding in the language: `t` is the screen's translate. */
export function findingText(f: Finding, t: (key: MessageKey, vars?: Vars) => string): string {
  if (f.attention) {
    const list = f.attention.map((a) => t('flag.attentionCount', { type: t(a.typeKey), n: a.per100 === undefined ? a.count : t('diff.per100', { n: a.per100 }) }));
    return t(f.key, { list: list.join(', ') });
  }
  return t(f.key, f.typeKey ? { ...f.vars, type: t(f.typeKey) } : f.vars);
}
