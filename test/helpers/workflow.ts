/** Helpers for workflow tests: multipart bodies, distinct field photos, users, waiting for the queue. */
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { multipart } from '../../scripts/lib/multipart.ts';
import { asUser, signIn } from './session.ts';

export { multipart };

// 12 digits (the longest PIN allowed): a short one can turn up inside a logged timing (responseTime 0.6482...) and fail the no-PIN-in-logs check by chance.
export const SUPERVISOR_PIN = '482193756104';
export const NURSE_PIN = '1357';

/** A 640x480 JPEG whose bytes differ for each seed (the fixture models ignore the pixels). */
export function fieldJpeg(seed: number, width = 640, height = 480): Promise<Buffer> {
  const c = (n: number) => 96 + ((seed * n) % 150);
  return sharp({ create: { width, height, channels: 3, background: { r: c(37), g: c(59), b: c(83) } } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

/**
 * A set-up box: the first supervisor from the first-boot setup, a nurse added by the supervisor,
 * both signed in (helpers/session.ts); the nurse's session is the app's default one.
 */
export async function createUsers(app: FastifyInstance) {
  const setup = await app.inject({ method: 'POST', url: '/api/setup', payload: { language: 'en', supervisor: { name: 'Dr Okafor', pin: SUPERVISOR_PIN } } });
  if (setup.statusCode !== 201) throw new Error(`setup: ${setup.body}`);
  const supervisor = setup.json().supervisor.id as string;
  const recoveryCode = setup.json().recoveryCode as string;
  const supervisorCookie = await signIn(app, supervisor, SUPERVISOR_PIN);
  const n = await app.inject({
    method: 'POST',
    url: '/api/users',
    payload: { name: 'Nurse Amina', role: 'nurse', pin: NURSE_PIN, auth: { userId: supervisor, pin: SUPERVISOR_PIN } },
    headers: { cookie: supervisorCookie },
  });
  if (n.statusCode !== 201) throw new Error(`nurse: ${n.body}`);
  const nurse = n.json().id as string;
  await signIn(app, nurse, NURSE_PIN);
  return { supervisor, nurse, recoveryCode };
}

/** Sample numbers are unique on the box: each default sample gets the next one. */
let defaultReferences = 0;

export async function createSample(app: FastifyInstance, body: Record<string, unknown> = { reference: `S-${String(++defaultReferences).padStart(3, '0')}` }, user?: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/samples', payload: body, headers: user ? asUser(app, user) : {} });
  if (res.statusCode !== 201) throw new Error(`sample: ${res.body}`);
  return res.json().id;
}

export function upload(app: FastifyInstance, sampleId: string, image: Buffer, fields: Record<string, string> = {}, user?: string) {
  const body = multipart(fields, { data: image });
  return app.inject({
    method: 'POST',
    url: `/api/samples/${sampleId}/fields`,
    payload: body.payload,
    headers: { ...body.headers, ...(user ? asUser(app, user) : {}) },
  });
}

/** Waits until no field of the sample is queued or in analysis; returns the sample. */
export async function analysed(app: FastifyInstance, sampleId: string, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = (await app.inject({ url: `/api/samples/${sampleId}` })).json();
    if (s.pendingFields === 0) return s;
    if (Date.now() > until) throw new Error(`sample ${sampleId} still has ${s.pendingFields} fields in analysis`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Tests photograph a few fields, far below the 100-cell target: sign-off then needs a supervisor's reason. */
export const SHORT_REASON = 'test sample: a few fields only';

type Requester = (o: { method: string; url: string; payload?: unknown }) => Promise<{ statusCode: number; body: string; json(): any }>;

/** Everything sign-off needs a person to have seen: every counted cell, as one page of the review gallery. */
export async function seeAllCells(req: Requester, sampleId: string): Promise<void> {
  const s = (await req({ method: 'GET', url: `/api/samples/${sampleId}` })).json();
  const cellIds = (s.fields as { cells: { id: string }[] }[]).flatMap((f) => f.cells.map((c) => c.id));
  if (!cellIds.length) return;
  const res = await req({ method: 'POST', url: `/api/samples/${sampleId}/cells/seen`, payload: { cellIds } });
  if (res.statusCode !== 200) throw new Error(`seen: ${res.body}`);
}
