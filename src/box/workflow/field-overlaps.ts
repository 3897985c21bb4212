/**
 * Refusing a photo that shows again much of a field already in the sample (moved a little,
 * re-exposed, recompressed): its cells would be counted twice. How much may overlap is the
 * `maxFieldOverlap` setting; identical bytes are refused before, as `duplicate_field`.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { overlapShare, type FieldFingerprint } from '../../core/analysis/field-overlap.ts';
import type { Field } from '../store/types.ts';
import type { WorkflowContext } from './context.ts';
import { conflict } from './errors.ts';
import type { FieldFingerprints } from './field-fingerprints.ts';
import { readSettings } from './settings.ts';

export interface FieldOverlapFound {
  field: Field;
  /** Share of the new photo's area that the field shows too. */
  share: number;
}

/** The live field of the sample that the new photo overlaps most, or null when it overlaps none. */
export async function largestOverlap(ctx: WorkflowContext, sampleId: string, photo: FieldFingerprint, fingerprints: FieldFingerprints): Promise<FieldOverlapFound | null> {
  let largest: FieldOverlapFound | null = null;
  for (const field of ctx.store.fields.listBySample(sampleId)) {
    // A photo whose file cannot be read cannot be compared; that is no reason to refuse this one.
    const earlier = await fingerprints.of(field.imageSha256).catch(() => null);
    if (!earlier) continue;
    const { share } = overlapShare(photo, earlier);
    if (share > (largest?.share ?? 0)) largest = { field, share };
    // Each comparison takes a few ms of CPU: let other requests through between them.
    await nextTurn();
  }
  return largest;
}

export async function assertNoOverlap(ctx: WorkflowContext, sampleId: string, photo: FieldFingerprint, fingerprints: FieldFingerprints): Promise<void> {
  const limit = readSettings(ctx.store, ctx.defaultTarget).maxFieldOverlap;
  const found = await largestOverlap(ctx, sampleId, photo, fingerprints);
  if (!found || found.share <= limit) return;
  const seq = found.field.seq;
  throw conflict(
    'overlapping_field',
    `this photo overlaps field ${seq} by ${percent(found.share, limit)} % (at most ${percent(limit)} % may overlap): its cells would be counted twice; ` +
      `move the slide to an area not photographed yet (or, if this photo replaces field ${seq}, remove field ${seq} first)`,
  );
}

/** A share in whole percent, with a decimal where rounding would hide that it is above `above`. */
function percent(share: number, above?: number): string {
  const whole = Math.round(share * 100);
  return above !== undefined && whole <= Math.round(above * 100) ? (share * 100).toFixed(1) : String(whole);
}
