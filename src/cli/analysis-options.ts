/** The options `analyze` and `eval` share: a known scale and who types the cells. */
import { parseUmPerPixel } from '../core/analysis/field-scale.ts';
import { TYPINGS, type Typing } from '../core/analysis/typing.ts';

export const ANALYSIS_OPTIONS = { scale: { type: 'string' }, typing: { type: 'string' } } as const;

/** The parsed `--scale` and `--typing`, or the message that says what is wrong with them. */
export function parseAnalysisOptions(values: { scale?: string; typing?: string }): { given?: number; typing?: Typing } | string {
  let given: number | undefined;
  if (values.scale !== undefined) {
    const v = parseUmPerPixel(values.scale);
    if (typeof v === 'string') return v;
    given = v;
  }
  const typing = values.typing as Typing | undefined;
  if (typing !== undefined && !TYPINGS.includes(typing)) return `--typing must be ${TYPINGS.join(' or ')}, got '${typing}'`;
  return { given, typing };
}
