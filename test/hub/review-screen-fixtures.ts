/** A 100-cell sample on demo photos, synced to a test hub, for the reviewer's gallery tests. */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { DEMO_IMAGES } from '../helpers/paths.ts';
import { sha } from './fixtures.ts';
import { bearer, type TestHub } from './helpers.ts';

const PHOTOS = [
  { file: 'bccd-BloodImage_00001.jpg', width: 640, height: 480 },
  { file: 'bccd-BloodImage_00249.jpg', width: 640, height: 480 },
  { file: 'raabin-5c3e037c.jpg', width: 575, height: 575 },
  { file: 'bcd-9a5a40ca.jpg', width: 416, height: 416 },
];

/** 100 cells: 60 neutrophils, 25 lymphocytes, 8 monocytes, 4 eosinophils, 2 basophils, 1 band, numbered in this order. */
export const TYPES_100: string[] = [
  ...Array<string>(60).fill('neutrophil'),
  ...Array<string>(25).fill('lymphocyte'),
  ...Array<string>(8).fill('monocyte'),
  ...Array<string>(4).fill('eosinophil'),
  ...Array<string>(2).fill('basophil'),
  'band',
];

export interface BigSample {
  sampleId: string;
  revision: number;
  payload: ReturnType<typeof bigReport>;
  /** Cell ids in their page numbers' order (cell 1 first). */
  cellIds: string[];
}

function bigReport(sampleId: string, revision: number, images: string[], types: string[]) {
  const perField = Math.ceil(types.length / PHOTOS.length);
  let k = 0;
  const fields = PHOTOS.map((photo, i) => {
    const cells = [];
    for (let j = 0; j < perField && k < types.length; j++, k++) {
      const col = j % 5;
      const row = Math.floor(j / 5);
      const x = 10 + col * ((photo.width - 90) / 4);
      const y = 10 + row * ((photo.height - 90) / 4);
      const type = types[k];
      cells.push({
        id: randomUUID(),
        box: [Math.round(x), Math.round(y), Math.round(x) + 70, Math.round(y) + 66],
        type,
        autoType: type,
        confidence: 0.55 + ((k * 7) % 45) / 100,
        flagged: k % 9 === 0,
      });
    }
    return { id: randomUUID(), seq: i + 1, image: { sha256: images[i], width: photo.width, height: photo.height, format: 'jpeg', bytes: 1 }, cells };
  });
  const counts = new Map<string, number>();
  for (const t of types) counts.set(t, (counts.get(t) ?? 0) + 1);
  return {
    kind: 'leukodiff.report',
    schemaVersion: 1,
    sample: { id: sampleId, reference: 'S-100', revision, patientId: 'P-100', signedRevision: revision },
    differential: { counted: types.length, rows: [...counts].map(([type, count]) => ({ type, count, percent: count })), flags: [] },
    fields,
    people: { signedBy: { id: randomUUID(), name: 'Dr Okafor', at: '2026-03-01T09:00:00.000Z', revision } },
  };
}

/** Uploads the demo photos as clinic c1's box would and signs a 100-cell sample's revision 3. */
export async function syncBigSample(hub: TestHub, types: string[] = TYPES_100): Promise<BigSample> {
  const images: string[] = [];
  for (const p of PHOTOS) {
    const bytes = readFileSync(path.join(DEMO_IMAGES, p.file));
    const h = sha(bytes);
    const up = await hub.app.inject({
      method: 'PUT',
      url: `/api/v1/images/${h}?start=0&total=${bytes.length}&encoding=identity`,
      headers: { ...bearer(hub.tokens.c1), 'content-type': 'application/octet-stream' },
      payload: bytes,
    });
    expect(up.statusCode).toBeLessThan(300);
    images.push(h);
  }
  const sampleId = randomUUID();
  const payload = bigReport(sampleId, 3, images, types);
  const res = await hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${sampleId}/revisions/3`, headers: bearer(hub.tokens.c1), payload: { images, payload } });
  expect(res.statusCode).toBe(200);
  return { sampleId, revision: 3, payload, cellIds: payload.fields.flatMap((f) => f.cells.map((c) => c.id)) };
}
