/** Small sample reports and images for hub tests. */
import { createHash, randomBytes, randomUUID } from 'node:crypto';

export const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export function image(size = 3000): { bytes: Buffer; sha256: string } {
  const bytes = randomBytes(size);
  return { bytes, sha256: sha(bytes) };
}

export function report(opts: { sampleId?: string; revision?: number; images?: string[]; cells?: string[]; reference?: string } = {}) {
  const sampleId = opts.sampleId ?? randomUUID();
  const revision = opts.revision ?? 3;
  const images = opts.images ?? [];
  const cellIds = opts.cells ?? [randomUUID(), randomUUID()];
  return {
    kind: 'leukodiff.report',
    schemaVersion: 1,
    sample: { id: sampleId, reference: opts.reference ?? 'S-1', revision, patientId: 'P-123', signedRevision: revision },
    differential: { counted: cellIds.length, rows: [{ type: 'neutrophil', count: cellIds.length, percent: 100 }], flags: [] },
    fields: images.map((h, i) => ({
      id: randomUUID(),
      seq: i + 1,
      image: { sha256: h, width: 640, height: 480, format: 'jpeg', bytes: 1 },
      cells: i === 0 ? cellIds.map((id, k) => ({ id, box: [10 + k * 50, 10, 50 + k * 50, 50], type: 'neutrophil', autoType: 'neutrophil', confidence: 0.9, flagged: k === 0 })) : [],
    })),
    people: { signedBy: { id: randomUUID(), name: 'Dr Okafor', at: '2026-03-01T09:00:00.000Z', revision } },
  };
}
