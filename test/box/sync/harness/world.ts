/**
 * One fault round's world: a real hub process (SQLite or PostgreSQL), a real box daemon, and the
 * faulty proxy between them, all on 127.0.0.1. It drives the box through its HTTP API, signs
 * reviews on the hub's reviewer page (two reviewers), and at the end checks what must hold after
 * any fault, the box's and the hub's differentials being one among them.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { HubDb } from '../../../../src/hub/db/connect.ts';
import { ensureClinic, provisionDevice } from '../../../../src/hub/repo/devices.ts';
import { provisionReviewer } from '../../../../src/hub/repo/reviewers.ts';
import { SUPERVISOR_PIN, multipart, seeAllCells, SHORT_REASON } from '../../../helpers/workflow.ts';
import { hubStorage, reviewForm, type Engine, type HubStorage } from '../../../hub/helpers.ts';
import { effectiveTypes, type ReportPayload } from '../../../../src/hub/web/model.ts';
import type { Review } from '../../../../src/hub/repo/reviews.ts';
import { noisyJpeg, smoothTiff } from './images.ts';
import { freePort } from '../../../../scripts/lib/daemon.ts';
import { startBox, startHub, type Proc } from '../../../../scripts/lib/processes.ts';
import { FaultyProxy } from './proxy.ts';
import { between, rng, type Rng } from './rng.ts';
import { CELL_TYPES } from '../../../../src/contracts/vocabulary.ts';
import { hubReviewerSession } from '../../../../scripts/lib/hub-session.ts';

export interface WorldOptions {
  engine: Engine;
  seed: number;
  /** Extra environment for the box (sync settings). */
  boxEnv?: Record<string, string>;
  log?: (line: string) => void;
}

type Res = { statusCode: number; json(): any; body: string };

export const FAST_BOX_ENV: Record<string, string> = {
  LEUKODIFF_SYNC_BACKOFF_BASE_MS: '100',
  LEUKODIFF_SYNC_BACKOFF_CAP_MS: '1000',
  LEUKODIFF_SYNC_PROBE_MS: '200',
  LEUKODIFF_SYNC_POLL_MS: '500',
  LEUKODIFF_SYNC_TIMEOUT_MS: '3000',
  LEUKODIFF_SYNC_MAX_REQUEST_BYTES: '16384',
};

type Reviewer = { login: string; password: string };

export class World {
  readonly rng: Rng;
  readonly proxy: FaultyProxy;
  hub: Proc | null = null;
  box: Proc | null = null;
  token = '';
  supervisor = '';
  /** The supervisor's session cookie on the box (sessions live in the box's database, so they survive restarts). */
  private session = '';
  readonly signed: string[] = [];
  /** The sample of each review signed at the hub (what each changed is checked against the hub's own record). */
  readonly reviews: string[] = [];
  private reviewer: Reviewer = { login: 'rev', password: '' };
  private reviewer2: Reviewer = { login: 'rev2', password: '' };
  private readonly boxDir: string;
  private constructor(
    readonly opts: WorldOptions,
    readonly storage: HubStorage,
    readonly hubPort: number,
    readonly boxPort: number,
  ) {
    this.rng = rng(opts.seed);
    this.proxy = new FaultyProxy({ host: '127.0.0.1', port: hubPort }, rng(opts.seed ^ 0x5bd1e995));
    this.boxDir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-fault-box-'));
  }

  static async create(opts: WorldOptions): Promise<World> {
    const storage = hubStorage(opts.engine, { maxRequestBytes: 32 * 1024 });
    const w = new World(opts, storage, await freePort(), await freePort());
    try {
      const db = await storage.open();
      try {
        const at = new Date().toISOString();
        await ensureClinic(db.db, 'c1', 'Clinic one', at);
        w.token = (await provisionDevice(db.db, 'c1', 'fault box', at)).token;
        w.reviewer.password = (await provisionReviewer(db.db, { login: 'rev', name: 'Dr Remote', clinicId: 'c1' }, at)).password;
        w.reviewer2.password = (await provisionReviewer(db.db, { login: 'rev2', name: 'Dr Second', clinicId: 'c1' }, at)).password;
      } finally {
        await db.close();
      }
      await w.proxy.up();
    } catch (err) {
      await w.close();
      throw err;
    }
    return w;
  }

  log(line: string): void {
    this.opts.log?.(line);
  }

  async startHub(): Promise<void> {
    this.hub = await startHub({ ...this.storage.env, LEUKODIFF_HUB_MAX_REQUEST_BYTES: String(32 * 1024) }, this.hubPort);
  }

  private hubOutput = '';
  private boxOutput = '';

  async killHub(): Promise<void> {
    if (!this.hub) return;
    await this.hub.kill('SIGKILL');
    this.hubOutput += this.hub.output();
    this.hub = null;
  }

  async startBox(): Promise<void> {
    this.box = await startBox(
      {
        LEUKODIFF_DATA: this.boxDir,
        LEUKODIFF_MODELS: path.join('test', 'fixtures', 'models'),
        LEUKODIFF_BACKEND: 'onnxruntime',
        LEUKODIFF_THREADS: '1',
        LEUKODIFF_HUB_URL: `http://127.0.0.1:${this.proxy.port}`,
        LEUKODIFF_HUB_TOKEN: this.token,
        ...FAST_BOX_ENV,
        ...this.opts.boxEnv,
      },
      this.boxPort,
    );
  }

  async killBox(): Promise<void> {
    if (!this.box) return;
    await this.box.kill('SIGKILL');
    this.boxOutput += this.box.output();
    this.box = null;
  }

  /** A request to the box's API (not through the proxy). */
  async boxReq(o: { method: string; url: string; payload?: unknown; headers?: Record<string, string> }): Promise<Res> {
    const isBuffer = Buffer.isBuffer(o.payload);
    const res = await fetch(`http://127.0.0.1:${this.boxPort}${o.url}`, {
      method: o.method,
      headers: { ...(o.payload !== undefined && !isBuffer ? { 'content-type': 'application/json' } : {}), ...(this.session ? { cookie: this.session } : {}), ...o.headers },
      body: o.payload === undefined ? undefined : isBuffer ? new Uint8Array(o.payload as Buffer) : JSON.stringify(o.payload),
    });
    const body = await res.text();
    return { statusCode: res.status, body, json: () => JSON.parse(body) };
  }

  private signFrom(sampleId: string, localAddress: string): Promise<{ status: number; body: string }> {
    const body = JSON.stringify({ auth: { userId: this.supervisor, pin: SUPERVISOR_PIN }, shortReason: SHORT_REASON });
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.boxPort,
          localAddress,
          method: 'POST',
          path: `/api/samples/${sampleId}/sign`,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), cookie: this.session },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  async createSupervisor(): Promise<void> {
    const res = await this.boxReq({ method: 'POST', url: '/api/setup', payload: { language: 'en', supervisor: { name: 'Dr Okafor', pin: SUPERVISOR_PIN } } });
    if (res.statusCode !== 201) throw new Error(`supervisor: ${res.body}`);
    this.supervisor = res.json().supervisor.id;
    const signIn = await fetch(`http://127.0.0.1:${this.boxPort}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: this.supervisor, pin: SUPERVISOR_PIN }),
    });
    if (signIn.status !== 201) throw new Error(`sign in: ${await signIn.text()}`);
    this.session = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
  }

  /** Makes and signs n samples (1-2 fields each; now and then a TIFF that goes gzipped). */
  async signSamples(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const seed = between(this.rng, 1, 1e9);
      const id = randomUUID();
      const created = await this.boxReq({ method: 'POST', url: '/api/samples', payload: { id, reference: `F-${seed}`, patientId: `P-${seed % 1000}` } });
      if (created.statusCode !== 201) throw new Error(`create: ${created.body}`);
      const images = [await noisyJpeg(seed)];
      if (this.rng() < 0.3) images.push(await smoothTiff(seed));
      for (const data of images) {
        const body = multipart({}, { data });
        const up = await this.boxReq({ method: 'POST', url: `/api/samples/${id}/fields`, payload: body.payload, headers: body.headers });
        if (up.statusCode !== 202) throw new Error(`upload: ${up.body}`);
      }
      for (let k = 0; ; k++) {
        const s = (await this.boxReq({ method: 'GET', url: `/api/samples/${id}` })).json();
        if (s.pendingFields === 0) {
          await seeAllCells((o) => this.boxReq(o), id);
          break;
        }
        if (k > 1500) throw new Error('analysis did not finish');
        await new Promise((r) => setTimeout(r, 20));
      }
      await this.sign(id);
      ids.push(id);
      this.signed.push(id);
    }
    return ids;
  }

  /**
   * The supervisor signs the sample. The box allows 30 PIN checks a minute per client address: a
   * burst of signatures comes from several loopback addresses, as from several kiosks (and waits its
   * turn if it must).
   */
  private async sign(id: string): Promise<void> {
    const from = `127.0.0.${2 + (this.signed.length % 200)}`;
    let sign = await this.signFrom(id, from);
    while (sign.status === 429) {
      await new Promise((r) => setTimeout(r, 2000));
      sign = await this.signFrom(id, from);
    }
    if (sign.status !== 200) throw new Error(`sign: ${sign.body}`);
  }

  /** At the box, with the link down or up: a cell of the sample gets another type (with a reason), and the sample is signed again. */
  async amendAndSign(sampleId: string): Promise<void> {
    const s = (await this.boxReq({ method: 'GET', url: `/api/samples/${sampleId}` })).json();
    const cells = (s.fields as { cells: { id: string; type: string }[] }[]).flatMap((f) => f.cells);
    const cell = cells[between(this.rng, 0, cells.length - 1)];
    const to = cell.type === 'lymphocyte' ? 'eosinophil' : 'lymphocyte';
    const res = await this.boxReq({ method: 'PATCH', url: `/api/cells/${cell.id}`, payload: { type: to, reason: 'looked again' } });
    if (res.statusCode !== 200) throw new Error(`amend: ${res.body}`);
    await this.signAgainIfInReview(sampleId);
  }

  /** Signs again every sample that went back to review at the box (a review that crossed a re-sign). */
  async signAgainInReview(): Promise<number> {
    let n = 0;
    for (const id of this.signed) if (await this.signAgainIfInReview(id)) n++;
    return n;
  }

  private async signAgainIfInReview(id: string): Promise<boolean> {
    const s = (await this.boxReq({ method: 'GET', url: `/api/samples/${id}` })).json();
    if (s.status !== 'review') return false;
    await seeAllCells((o) => this.boxReq(o), id);
    await this.sign(id);
    return true;
  }

  async syncStatus(): Promise<any> {
    return (await this.boxReq({ method: 'GET', url: '/api/sync' })).json();
  }

  private async withHubDb<T>(fn: (db: HubDb) => Promise<T>): Promise<T> {
    const db = await this.storage.open();
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }

  /** Each reviewer's session cookie at the hub, signed in on first use (sessions are in the hub's database, so they outlive a hub restart). */
  private readonly hubSessions = new Map<string, string>();

  private async hubSession(r: Reviewer): Promise<string> {
    const known = this.hubSessions.get(r.login) ?? (await hubReviewerSession(`http://127.0.0.1:${this.hubPort}`, r.login, r.password));
    this.hubSessions.set(r.login, known);
    return known;
  }

  private async reviewPage(sampleId: string, who: Reviewer): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.hubPort}/review/samples/${sampleId}`, { redirect: 'manual', headers: { cookie: await this.hubSession(who) } });
    if (res.status !== 200) throw new Error(`review page: ${res.status}`);
    return res.text();
  }

  private async postReview(sampleId: string, who: Reviewer, form: Record<string, string>): Promise<{ status: number; body: string }> {
    const res = await fetch(`http://127.0.0.1:${this.hubPort}/review/samples/${sampleId}/reviews`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: await this.hubSession(who), origin: `http://127.0.0.1:${this.hubPort}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form, password: who.password }).toString(),
    });
    return { status: res.status, body: await res.text() };
  }

  /**
   * A reviewer's change on a form as the page showed it: a random cell gets another type or, one
   * time in four, is removed as a duplicate; given the page, one time in three a missed cell is
   * added on one of its field photos too (a leukocyte's box at a random spot, a random type).
   */
  private change(form: Record<string, string>, page?: string): Record<string, string> {
    const cells = Object.keys(form).filter((k) => k.startsWith('cell.'));
    const key = cells[between(this.rng, 0, cells.length - 1)];
    const choices = CELL_TYPES.filter((t) => t !== form[key]);
    const to = between(this.rng, 0, 3) === 0 ? 'remove' : choices[between(this.rng, 0, choices.length - 1)];
    const out: Record<string, string> = { ...form, [key]: to, comment: 'fault-round review' };
    const fields = page ? [...page.matchAll(/data-field="([^"]+)" data-seq="\d+" data-width="(\d+)" data-height="(\d+)" data-cell-side="(\d+)"/g)] : [];
    if (fields.length && between(this.rng, 0, 2) === 0) {
      const [, fieldId, w, h, side] = fields[between(this.rng, 0, fields.length - 1)];
      const s = Math.max(4, Math.min(Number(side), Number(w), Number(h)));
      const x = between(this.rng, 0, Number(w) - s);
      const y = between(this.rng, 0, Number(h) - s);
      Object.assign(out, { 'add.0.field': fieldId, 'add.0.box': [x, y, x + s, y + s].join(','), 'add.0.type': CELL_TYPES[between(this.rng, 0, CELL_TYPES.length - 1)] });
    }
    return out;
  }

  /** Samples the hub holds, with their newest revision. */
  async hubSamples(): Promise<{ id: string; revision: number }[]> {
    return this.withHubDb(async (db) =>
      (await db.db.selectFrom('samples').select(['id', 'revision']).where('clinic_id', '=', 'c1').execute()).map((r) => ({ id: r.id, revision: Number(r.revision) })),
    );
  }

  /**
   * Signs a review on the hub's reviewer page (a real form post to the hub process) for one sample
   * the hub holds and nobody reviewed yet: one of its cells becomes another type.
   */
  async reviewOne(sampleId?: string): Promise<boolean> {
    if (!this.hub) return false;
    const reviewed = new Set(this.reviews);
    const free = sampleId ? [sampleId] : (await this.hubSamples()).map((s) => s.id).filter((id) => !reviewed.has(id));
    if (!free.length) return false;
    const target = free[between(this.rng, 0, free.length - 1)];
    const page = await this.reviewPage(target, this.reviewer);
    const res = await this.postReview(target, this.reviewer, this.change(reviewForm(page), page));
    if (res.status !== 303) throw new Error(`review: ${res.status} ${res.body}`);
    this.reviews.push(target);
    return true;
  }

  /**
   * Two reviewers open the same sample and sign at the same moment: one review is stored, the other
   * comes back (409) with the first one's changes shown and its own kept, and is signed again as it came back.
   */
  async reviewTwoAtOnce(sampleId: string): Promise<void> {
    const tries: { who: Reviewer; form: Record<string, string> }[] = [];
    for (const who of [this.reviewer, this.reviewer2]) tries.push({ who, form: this.change(reviewForm(await this.reviewPage(sampleId, who))) });
    const answers = await Promise.all(tries.map((t) => this.postReview(sampleId, t.who, t.form)));
    const statuses = answers
      .map((r) => r.status)
      .sort()
      .join(',');
    if (statuses !== '303,409') throw new Error(`two reviews at once answered ${statuses}, expected one 303 and one 409`);
    this.reviews.push(sampleId);
    const lost = answers.findIndex((r) => r.status === 409);
    const again = await this.postReview(sampleId, tries[lost].who, { ...reviewForm(answers[lost].body), comment: 'fault-round review' });
    if (again.status !== 303) throw new Error(`the refused review, signed again: ${again.status} ${again.body}`);
    this.reviews.push(sampleId);
  }

  /** Waits until the box has nothing left to send, has taken in every review made (applied, or refused as a conflict) and told the hub what became of each. */
  async settle(timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let last: any = null;
    for (;;) {
      try {
        last = await this.syncStatus();
        if (last.backlog.pending === 0 && last.backlog.setAside === 0 && last.state === 'idle' && this.reviewsAtBox() >= this.reviews.length && this.outcomesUnreported() === 0) return;
      } catch {
        // box restarting
      }
      if (Date.now() > end) throw new Error(`did not settle within ${timeoutMs} ms: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private boxDb(): Database.Database {
    return new Database(path.join(this.boxDir, 'leukodiff.db'), { readonly: true, fileMustExist: true });
  }

  private reviewsAtBox(): number {
    const db = this.boxDb();
    try {
      return db.prepare<[], { n: number }>("SELECT count(*) AS n FROM sync_reviews WHERE outcome IN ('applied', 'conflict')").get()!.n;
    } finally {
      db.close();
    }
  }

  /** How many reviews the hub records as refused at the box (a conflict), as the box reported them. */
  async conflictsAtHub(): Promise<number> {
    return this.withHubDb(async (db) => (await db.db.selectFrom('review_outcomes').select('review_id').where('outcome', '=', 'conflict').execute()).length);
  }

  private outcomesUnreported(): number {
    const db = this.boxDb();
    try {
      return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sync_reviews WHERE reported_at IS NULL').get()!.n;
    } finally {
      db.close();
    }
  }

  /** Everything that must hold after any fault; returns the problems found (none: passed). */
  async verify(): Promise<string[]> {
    const problems: string[] = [];
    const box = this.boxDb();
    try {
      const outbox = box.prepare<[], { sample_id: string; revision: number; payload: string; images: string; delivered_at: string | null }>('SELECT * FROM outbox').all();
      const undelivered = outbox.filter((r) => !r.delivered_at);
      if (undelivered.length) problems.push(`${undelivered.length} outbox rows undelivered`);
      const setAside = box.prepare<[], { n: number }>('SELECT count(*) AS n FROM sync_set_aside').get()!.n;
      if (setAside) problems.push(`${setAside} rows set aside`);
      const signedAtBox = new Set(outbox.map((r) => r.sample_id));
      for (const id of this.signed) if (!signedAtBox.has(id)) problems.push(`sample ${id} has no outbox row`);
      const statuses = box.prepare<[], { id: string; status: string }>('SELECT id, status FROM samples').all();
      for (const s of statuses) if (this.signed.includes(s.id) && s.status !== 'synced') problems.push(`sample ${s.id} is ${s.status} at the box`);

      await this.withHubDb(async (hub) => {
        const revs = await hub.db.selectFrom('revisions').selectAll().execute();
        const key = (s: string, r: number) => `${s}#${r}`;
        const atHub = new Map(revs.map((r) => [key(r.sample_id, Number(r.revision)), r]));
        if (atHub.size !== revs.length) problems.push('duplicate revisions at the hub');
        if (revs.length !== outbox.length) problems.push(`hub holds ${revs.length} revisions, the box signed ${outbox.length}`);
        for (const o of outbox) {
          const h = atHub.get(key(o.sample_id, o.revision));
          if (!h) problems.push(`revision ${o.revision} of ${o.sample_id} missing at the hub`);
          else if (JSON.stringify(JSON.parse(h.payload)) !== JSON.stringify(JSON.parse(o.payload))) problems.push(`revision ${o.revision} of ${o.sample_id} differs at the hub`);
        }
        const samples = await hub.db.selectFrom('samples').select(['id', 'revision', 'clinic_id']).execute();
        if (samples.length !== signedAtBox.size) problems.push(`hub lists ${samples.length} samples, the box signed ${signedAtBox.size}`);
        const newest = new Map<string, number>();
        for (const o of outbox) newest.set(o.sample_id, Math.max(newest.get(o.sample_id) ?? 0, o.revision));
        for (const s of samples) {
          if (newest.get(s.id) !== Number(s.revision)) problems.push(`hub has revision ${s.revision} of ${s.id} as newest, the box signed ${newest.get(s.id)}`);
          if (s.clinic_id !== 'c1') problems.push(`sample ${s.id} filed under clinic ${s.clinic_id}`);
        }
        const hashes = new Set(outbox.flatMap((o) => JSON.parse(o.images) as string[]));
        for (const sha of hashes) {
          const img = await hub.db.selectFrom('images').select('data').where('clinic_id', '=', 'c1').where('sha256', '=', sha).executeTakeFirst();
          if (!img) {
            problems.push(`image ${sha.slice(0, 12)} missing at the hub`);
            continue;
          }
          const bytes = Buffer.from(img.data);
          if (createHash('sha256').update(bytes).digest('hex') !== sha) problems.push(`image ${sha.slice(0, 12)} at the hub does not match its hash`);
          const local = readFileSync(path.join(this.boxDir, 'images', sha.slice(0, 2), sha));
          if (!local.equals(bytes)) problems.push(`image ${sha.slice(0, 12)} differs from the box's file`);
        }
        const parts = await hub.db.selectFrom('upload_parts').select('sha256').execute();
        if (parts.length) problems.push(`${parts.length} upload parts left at the hub`);
        const hubReviews = await hub.db.selectFrom('reviews').selectAll().orderBy('seq').execute();
        if (hubReviews.length !== this.reviews.length) problems.push(`hub holds ${hubReviews.length} reviews, ${this.reviews.length} were signed`);
        for (const r of hubReviews) {
          const taken = box.prepare<[string], { n: number }>("SELECT count(*) AS n FROM audit_log WHERE action = 'hub.review' AND json_extract(detail, '$.reviewId') = ?").get(r.id)!.n;
          if (taken !== 1) problems.push(`review ${r.id} taken in ${taken} times at the box`);
        }
        // The hub knows what became of each review at the box (a conflict, not "reached the box").
        const reported = new Map((await hub.db.selectFrom('review_outcomes').select(['review_id', 'outcome']).execute()).map((o) => [o.review_id, o.outcome]));
        for (const r of hubReviews) {
          const atBox = box.prepare<[string], { outcome: string }>('SELECT outcome FROM sync_reviews WHERE review_id = ?').get(r.id)?.outcome;
          if (reported.get(r.id) !== atBox) problems.push(`review ${r.id}: ${atBox ?? 'not taken in'} at the box, ${reported.get(r.id) ?? 'no outcome'} at the hub`);
        }
        // One truth: the hub's differential (its newest revision with the reviews of that revision) is the box's.
        const reviews: Review[] = hubReviews.map((r) => ({
          seq: Number(r.seq),
          id: r.id,
          sampleId: r.sample_id,
          baseRevision: Number(r.base_revision),
          reviewer: { id: r.reviewer_id, name: r.reviewer_name },
          changes: JSON.parse(r.changes),
          comment: r.comment,
          signedAt: r.signed_at,
        }));
        for (const s of samples) {
          const rev = await hub.db.selectFrom('revisions').select('payload').where('sample_id', '=', s.id).where('revision', '=', s.revision).executeTakeFirstOrThrow();
          const atHub = effectiveTypes(
            JSON.parse(rev.payload) as ReportPayload,
            reviews.filter((r) => r.sampleId === s.id),
          );
          const atBox = new Map(
            box
              .prepare<[string], { id: string; type: string }>('SELECT id, type FROM cells WHERE sample_id = ? AND deleted_at IS NULL')
              .all(s.id)
              .map((c) => [c.id, c.type]),
          );
          const differs = [...new Set([...atHub.keys(), ...atBox.keys()])].filter((id) => atHub.get(id) !== atBox.get(id));
          if (differs.length) problems.push(`sample ${s.id}: ${differs.length} cells differ between hub and box (${differs.map((id) => `${atHub.get(id)} / ${atBox.get(id)}`).join(', ')})`);
        }
      });
    } finally {
      box.close();
    }
    const output = this.hubOutput + this.boxOutput + (this.hub?.output() ?? '') + (this.box?.output() ?? '');
    const secret = this.token.split('.')[2];
    if (output.includes(secret)) problems.push('the device token appears in a log');
    return problems;
  }

  async close(): Promise<void> {
    await this.killBox().catch(() => {});
    await this.killHub().catch(() => {});
    await this.proxy.down();
    await this.storage.drop();
    rmSync(this.boxDir, { recursive: true, force: true });
  }

  /** The processes' output, for a failure report. */
  tail(): string {
    const hub = (this.hubOutput + (this.hub?.output() ?? '')).split('\n').slice(-40).join('\n');
    const box = (this.boxOutput + (this.box?.output() ?? '')).split('\n').slice(-60).join('\n');
    return `--- hub ---\n${hub}\n--- box ---\n${box}`;
  }
}
