/** Helpers that drive a box through its HTTP API (inject or a real port) to signed samples. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../../src/box/config.ts';
import { testApp } from '../../helpers/app.ts';
import { createUsers, fieldJpeg, multipart, seeAllCells, SHORT_REASON, SUPERVISOR_PIN } from '../../helpers/workflow.ts';

/** Sync settings that make a test fast: short backoff, probes and polls, small parts. */
export const FAST_SYNC: Partial<Config> = {
  syncBackoffBaseMs: 50,
  syncBackoffCapMs: 400,
  syncProbeMs: 100,
  syncPollMs: 300,
  syncTimeoutMs: 2000,
  syncMaxRequestBytes: 16 * 1024,
};

export async function testBox(overrides: Partial<Config>, dataDir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-box-'))) {
  const app = await testApp({ dataDir, ...FAST_SYNC, ...overrides });
  const users = await createUsers(app);
  return { app, dataDir, users };
}

interface Requester {
  (opts: { method: string; url: string; payload?: unknown; headers?: Record<string, string> }): Promise<{ statusCode: number; json(): any; body: string }>;
}

export function injector(app: FastifyInstance): Requester {
  return (o) => app.inject(o as never) as never;
}

/** A sample with one (or more) field photos, analysed, flagged cells looked at, signed. Returns its id. */
export async function signedSample(req: Requester, supervisor: string, seed: number, fields = 1): Promise<string> {
  const created = await req({ method: 'POST', url: '/api/samples', payload: { id: randomUUID(), reference: `S-${seed}`, patientId: `P-${seed}` } });
  if (created.statusCode !== 201) throw new Error(`create: ${created.body}`);
  const id = created.json().id as string;
  for (let f = 0; f < fields; f++) {
    const body = multipart({}, { data: await fieldJpeg(seed * 7 + f + 1, 320 + (seed % 50), 240) });
    const up = await req({ method: 'POST', url: `/api/samples/${id}/fields`, payload: body.payload, headers: body.headers });
    if (up.statusCode !== 202) throw new Error(`upload: ${up.body}`);
  }
  for (let i = 0; ; i++) {
    const s = (await req({ method: 'GET', url: `/api/samples/${id}` })).json();
    if (s.pendingFields === 0) {
      await seeAllCells(req, id);
      break;
    }
    if (i > 1000) throw new Error('analysis did not finish');
    await new Promise((r) => setTimeout(r, 20));
  }
  const sign = await req({ method: 'POST', url: `/api/samples/${id}/sign`, payload: { auth: { userId: supervisor, pin: SUPERVISOR_PIN }, shortReason: SHORT_REASON } });
  if (sign.statusCode !== 200) throw new Error(`sign: ${sign.body}`);
  return id;
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
