/**
 * Several hub processes on one PostgreSQL database (behind a load balancer): they start together
 * (one migrates, the others wait), and a box's retries may land on any of them.
 */
import { describe, expect, it } from 'vitest';
import { ensureClinic, provisionDevice } from '../../src/hub/repo/devices.ts';
import { freePort } from '../../scripts/lib/daemon.ts';
import { startHub, type Proc } from '../../scripts/lib/processes.ts';
import { countRows, hubStorage } from './helpers.ts';
import { image, report } from './fixtures.ts';

describe.runIf(process.env.DATABASE_URL)('several hub processes on one PostgreSQL database', () => {
  it('start together on a fresh schema and share every piece of state', { timeout: 90_000 }, async () => {
    const storage = hubStorage('postgres');
    const procs: Proc[] = [];
    try {
      const ports = [await freePort(), await freePort(), await freePort()];
      procs.push(...(await Promise.all(ports.map((p) => startHub(storage.env, p)))));
      const db = await storage.open();
      try {
        const at = new Date().toISOString();
        await ensureClinic(db.db, 'c1', 'one', at);
        const { token } = await provisionDevice(db.db, 'c1', 'box', at);
        const auth = { authorization: `Bearer ${token}` };
        const base = (i: number) => `http://127.0.0.1:${ports[i % ports.length]}`;
        // An image in three parts, each through another process.
        const img = image(30_000);
        for (let i = 0; i < 3; i++) {
          const res = await fetch(`${base(i)}/api/v1/images/${img.sha256}?start=${i * 10_000}&total=30000&encoding=identity`, {
            method: 'PUT',
            headers: { ...auth, 'content-type': 'application/octet-stream' },
            body: new Uint8Array(img.bytes.subarray(i * 10_000, (i + 1) * 10_000)),
          });
          expect(res.status).toBe(200);
        }
        // The same revision through every process at once: stored once.
        const r = report({ images: [img.sha256] });
        const answers = await Promise.all(
          Array.from({ length: 9 }, (_, i) =>
            fetch(`${base(i)}/api/v1/samples/${r.sample.id}/revisions/${r.sample.revision}`, {
              method: 'PUT',
              headers: { ...auth, 'content-type': 'application/json' },
              body: JSON.stringify({ images: [img.sha256], payload: r }),
            }).then(async (x) => ({ status: x.status, body: (await x.json()) as { status: string } })),
          ),
        );
        expect(answers.every((a) => a.status === 200)).toBe(true);
        expect(answers.filter((a) => a.body.status === 'created')).toHaveLength(1);
        expect(await countRows(db, 'revisions')).toBe(1);
        expect(await countRows(db, 'images')).toBe(1);
      } finally {
        await db.close();
      }
    } finally {
      await Promise.all(procs.map((p) => p.kill()));
      await storage.drop();
    }
  });
});
