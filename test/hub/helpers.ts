/**
 * A hub on a fresh database for tests: SQLite in a temp folder, and PostgreSQL in a schema of its
 * own (dropped afterwards) when DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { loadHubConfig, type HubConfig } from '../../src/hub/config.ts';
import { openHubDb, type HubDb } from '../../src/hub/db/connect.ts';
import { ensureClinic, provisionDevice } from '../../src/hub/repo/devices.ts';
import { provisionReviewer } from '../../src/hub/repo/reviewers.ts';
import { buildHub } from '../../src/hub/server.ts';

export type Engine = 'sqlite' | 'postgres';

/** The engines to run hub tests against: SQLite always, PostgreSQL when DATABASE_URL is set. */
export const ENGINES: Engine[] = process.env.DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export interface HubStorage {
  engine: Engine;
  /** Environment for a hub process on this storage. */
  env: Record<string, string>;
  config: HubConfig;
  open(): Promise<HubDb>;
  /** Removes the folder or the schema. */
  drop(): Promise<void>;
}

export function hubStorage(engine: Engine, overrides: Partial<HubConfig> = {}): HubStorage {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-hub-'));
  const schema = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = engine === 'postgres' ? { DATABASE_URL: process.env.DATABASE_URL!, LEUKODIFF_HUB_DB_SCHEMA: schema, LEUKODIFF_HUB_DATA: dir } : { LEUKODIFF_HUB_DATA: dir };
  const config = loadHubConfig({ ...env }, { logLevel: 'silent', port: 0, ...overrides });
  if (engine === 'sqlite') config.databaseUrl = null;
  return {
    engine,
    env,
    config,
    open: () => openHubDb(config),
    async drop() {
      if (engine === 'postgres') {
        const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await client.end();
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestHub {
  app: FastifyInstance;
  db: HubDb;
  storage: HubStorage;
  /** A device token of clinic c1 and one of clinic c2. */
  tokens: { c1: string; c2: string };
  reviewer: { login: string; password: string };
  close(): Promise<void>;
}

export async function testHub(engine: Engine, overrides: Partial<HubConfig> = {}): Promise<TestHub> {
  const storage = hubStorage(engine, overrides);
  let db: HubDb;
  try {
    db = await storage.open();
  } catch (err) {
    await storage.drop();
    throw err;
  }
  const at = new Date().toISOString();
  await ensureClinic(db.db, 'c1', 'Clinic one', at);
  await ensureClinic(db.db, 'c2', 'Clinic two', at);
  const c1 = (await provisionDevice(db.db, 'c1', 'box 1', at)).token;
  const c2 = (await provisionDevice(db.db, 'c2', 'box 2', at)).token;
  const { password } = await provisionReviewer(db.db, { login: 'ada', name: 'Dr Ada', clinicId: null }, at);
  const app = await buildHub(storage.config, { db, logger: false });
  return {
    app,
    db,
    storage,
    tokens: { c1, c2 },
    reviewer: { login: 'ada', password },
    async close() {
      await app.close();
      await db.close();
      await storage.drop();
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** The headers a browser of the hub's own pages sends with a form post (its Origin), and the form's type. */
export const formHeaders = { origin: 'http://localhost:80', host: 'localhost:80', 'content-type': 'application/x-www-form-urlencoded' };

/** Signs in on the sign-in page as a browser would; the answer (303 and a session cookie, or a refusal). */
export function signInAt(app: FastifyInstance, login: string, password: string) {
  return app.inject({ method: 'POST', url: '/review/login', headers: formHeaders, payload: new URLSearchParams({ login, password }).toString() });
}

/** Headers that sign a test's requests to the reviewer pages in as a reviewer (ada unless told): a session cookie. */
export async function reviewerHeaders(
  hub: { app: FastifyInstance; reviewer: { login: string; password: string } },
  login = hub.reviewer.login,
  password = hub.reviewer.password,
): Promise<{ cookie: string }> {
  const res = await signInAt(hub.app, login, password);
  const session = res.cookies.find((c) => c.name === 'leukodiff_review');
  if (res.statusCode !== 303 || !session) throw new Error(`signing in as ${login} failed: ${res.statusCode} ${res.body.slice(0, 200)}`);
  return { cookie: `${session.name}=${session.value}` };
}

export async function countRows(db: HubDb, table: 'revisions' | 'samples' | 'images' | 'reviews' | 'upload_parts'): Promise<number> {
  const r = await sql<{ n: number | string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db.db);
  return Number(r.rows[0].n);
}

/** A reviewer page's form as a browser would post it unchanged: every hidden field and every select's chosen type. */
export function reviewForm(body: string): Record<string, string> {
  const form: Record<string, string> = {};
  for (const m of body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form[m[1]] = m[2];
  for (const m of body.matchAll(/<select name="([^"]+)">((?:(?!<\/select>)[\s\S])*)<\/select>/g)) form[m[1]] = /<option value="([^"]+)" selected>/.exec(m[2])![1];
  return form;
}

/** A device uploads a whole image in one part (the box's client sends big ones in several). */
export function putImage(hub: TestHub, img: { bytes: Buffer; sha256: string }, token = hub.tokens.c1) {
  return hub.app.inject({
    method: 'PUT',
    url: `/api/v1/images/${img.sha256}?start=0&total=${img.bytes.length}&encoding=identity`,
    headers: { ...bearer(token), 'content-type': 'application/octet-stream' },
    payload: img.bytes,
  });
}
