/**
 * Sample numbers (references) are unique on the box: "S-1001", " s-1001 " and "S-1001\t" are one
 * slide. A reference is stored trimmed, with runs of white space made one space and Unicode in NFC;
 * two references are the same when they match ignoring case.
 */
import type { WorkflowContext } from './context.ts';
import { WorkflowError } from './errors.ts';

export function normaliseReference(reference: string): string {
  return reference.normalize('NFC').trim().replace(/\s+/g, ' ');
}

/** The refusal of a second sample with a number the box already has; the body names the first. */
export class DuplicateReference extends WorkflowError {
  constructor(reference: string, existingId: string) {
    super('duplicate_reference', `sample number ${reference} already exists (sample ${existingId}): open that sample instead of creating another`, 409, {}, { sampleId: existingId });
  }
}

/** Throws DuplicateReference when another sample (open or signed) has this reference. Run inside the transaction that writes it. */
export function assertReferenceFree(ctx: WorkflowContext, reference: string, exceptId: string | null): void {
  const existing = ctx.store.samples.findByReference(reference, exceptId);
  if (existing) throw new DuplicateReference(reference, existing);
}
