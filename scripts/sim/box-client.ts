/** A box daemon driven over its HTTP API as a clinic's supervisor would: samples, photos, corrections, sign-off. */
import http from 'node:http';
import { createHash } from 'node:crypto';
import { multipart } from '../lib/multipart.ts';
import type { Box, FieldCell, NurseAction } from './nurse.ts';

export interface FieldJson {
  id: string;
  seq: number;
  status: string;
  awaitingDecision: boolean;
  image: { width: number; height: number };
  analysis: { scale?: { umPerPixel: number | null; source: string } | null; modelSet?: string | null } | null;
  cells: (FieldCell & { source: string })[];
}
export interface SampleJson {
  id: string;
  status: string;
  pendingFields: number;
  fields: FieldJson[];
}

type Res = { status: number; body: string; headers: http.IncomingHttpHeaders; json(): any };

const PIN = '482193756104';
/** The box allows 30 PIN checks a minute per client address: signatures come from many loopback addresses, as from several kiosks. */
const SIGN_ADDRESSES = 200;

export class BoxClient {
  private session = '';
  private supervisor = '';
  private signs = 0;
  constructor(public port: number) {}

  async request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}, localAddress?: string): Promise<Res> {
    const raw = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path: url,
          localAddress,
          headers: {
            ...(raw && !Buffer.isBuffer(body) ? { 'content-type': 'application/json' } : {}),
            ...(raw ? { 'content-length': raw.length } : {}),
            ...(this.session ? { cookie: this.session } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers, json: () => JSON.parse(text) });
          });
        },
      );
      req.on('error', reject);
      req.end(raw);
    });
  }

  private async ok(method: string, url: string, body: unknown, want: number, what: string): Promise<Res> {
    const res = await this.request(method, url, body);
    if (res.status !== want) throw new Error(`${what}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
    return res;
  }

  /** First-boot setup and the supervisor's session. */
  async setUp(name: string): Promise<void> {
    const setup = await this.ok('POST', '/api/setup', { language: 'en', supervisor: { name, pin: PIN } }, 201, 'setup');
    this.supervisor = setup.json().supervisor.id;
    const res = await this.request('POST', '/api/session', { userId: this.supervisor, pin: PIN });
    const cookie = String(res.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
    if (res.status !== 201 || !cookie) throw new Error(`sign in: HTTP ${res.status} ${res.body.slice(0, 300)}`);
    this.session = cookie;
  }

  /** A sample whose id follows from its reference and the seed, so that the hub export's split by sample is the same on every run. */
  async createSample(reference: string, seed: number): Promise<string> {
    const h = createHash('sha256').update(`${seed}:${reference}`).digest('hex');
    const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
    return (await this.ok('POST', '/api/samples', { id, reference }, 201, 'create sample')).json().id;
  }

  async upload(sampleId: string, jpeg: Buffer): Promise<void> {
    const { payload, headers } = multipart({}, { data: jpeg, type: 'image/jpeg' });
    const res = await this.request('POST', `/api/samples/${sampleId}/fields`, payload, headers);
    if (res.status !== 202) throw new Error(`upload: HTTP ${res.status} ${res.body.slice(0, 300)}`);
  }

  async sample(sampleId: string): Promise<SampleJson> {
    return (await this.ok('GET', `/api/samples/${sampleId}`, undefined, 200, 'sample')).json();
  }

  /** Waits for the analysis of every field; a field held for a quality decision is kept as it is (the nurse accepts it). */
  async analysed(sampleId: string, timeoutMs = 15 * 60_000): Promise<SampleJson> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.sample(sampleId);
      if (s.pendingFields === 0) {
        const held = s.fields.filter((f) => f.awaitingDecision);
        if (!held.length) return s;
        for (const f of held) await this.ok('POST', `/api/fields/${f.id}/keep`, { reason: 'simulation: kept' }, 200, 'keep field');
        continue;
      }
      if (Date.now() > end) throw new Error(`sample ${sampleId}: analysis did not finish`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async act(fieldId: string, a: NurseAction): Promise<void> {
    if (a.op === 'retype') await this.ok('PATCH', `/api/cells/${a.cellId}`, { type: a.type }, 200, 'retype');
    else await this.ok('POST', `/api/fields/${fieldId}/cells`, { box: a.box satisfies Box, type: a.type }, 201, 'add cell');
  }

  /** Marks every cell seen and signs as the supervisor (a short sample needs a reason). */
  async sign(sampleId: string): Promise<void> {
    const s = await this.sample(sampleId);
    const cellIds = s.fields.flatMap((f) => f.cells.map((c) => c.id));
    for (let i = 0; i < cellIds.length; i += 100) await this.ok('POST', `/api/samples/${sampleId}/cells/seen`, { cellIds: cellIds.slice(i, i + 100) }, 200, 'seen');
    const from = `127.0.0.${2 + (this.signs++ % SIGN_ADDRESSES)}`;
    const body = { auth: { userId: this.supervisor, pin: PIN }, shortReason: 'simulated clinic: one cell per photo' };
    let res = await this.request('POST', `/api/samples/${sampleId}/sign`, body, {}, from);
    while (res.status === 429) {
      await new Promise((r) => setTimeout(r, 2000));
      res = await this.request('POST', `/api/samples/${sampleId}/sign`, body, {}, from);
    }
    if (res.status !== 200) throw new Error(`sign: HTTP ${res.status} ${res.body.slice(0, 300)}`);
  }

  /** Waits until the outbox is empty (everything signed reached the hub). */
  async synced(timeoutMs = 10 * 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = (await this.ok('GET', '/api/sync', undefined, 200, 'sync status')).json();
      if (s.backlog.pending === 0 && s.backlog.setAside === 0) return;
      if (s.backlog.setAside) throw new Error(`sync set ${s.backlog.setAside} records aside: ${s.lastError ?? ''}`);
      if (Date.now() > end) throw new Error(`sync: ${s.backlog.pending} records still pending (${s.lastError ?? s.state})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async modelSet(): Promise<string> {
    return (await this.ok('GET', '/api/health', undefined, 200, 'health')).json().modelSet.version;
  }
}
