/**
 * A TCP proxy between the box and the hub that misbehaves on purpose. Per connection it passes
 * bytes through, or (by chance, from a seeded generator) cuts the connection after some bytes of
 * the request (mid-upload), drops the hub's answer (the hub committed, the box never hears), cuts
 * the answer half-way, stalls both ways (the box times out), or answers 500 itself. `down()` stops
 * listening (connection refused), `up()` listens again on the same port.
 */
import net from 'node:net';
import { between, chance, type Rng } from './rng.ts';

export interface Faults {
  /** Cut at a random point of the request (head or body). */
  cutRequest: number;
  /** Forward the request, then drop the connection when the answer starts (lost after commit). */
  loseResponse: number;
  /** Cut after a few bytes of the answer. */
  cutResponse: number;
  /** Stop forwarding both ways at a random point of the request. */
  stall: number;
  /** Answer 500 without asking the hub. */
  error500: number;
}

export const NO_FAULTS: Faults = { cutRequest: 0, loseResponse: 0, cutResponse: 0, stall: 0, error500: 0 };

export interface ProxyStats {
  connections: number;
  cutRequests: number;
  lostResponses: number;
  cutResponses: number;
  stalls: number;
  errors500: number;
  bytesUp: number;
}

/** `at` of a cut or stall is a fraction of the request, placed once its length is known. */
type Plan = { kind: 'pass' } | { kind: 'cutRequest'; at: number } | { kind: 'loseResponse' } | { kind: 'cutResponse'; at: number } | { kind: 'stall'; at: number } | { kind: 'error500' };

/** Bytes of the whole request (head and body) that starts with this chunk. */
function requestLength(first: Buffer): number {
  const text = first.toString('latin1');
  const head = text.indexOf('\r\n\r\n');
  if (head < 0) return first.length;
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, head));
  return head + 4 + (m ? Number(m[1]) : 0);
}

export class FaultyProxy {
  readonly stats: ProxyStats = { connections: 0, cutRequests: 0, lostResponses: 0, cutResponses: 0, stalls: 0, errors500: 0, bytesUp: 0 };
  faults: Faults = NO_FAULTS;
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  /** Called with the running count of request bytes passed to the hub (for "kill at a random point"). */
  onBytesUp: ((total: number) => void) | null = null;

  constructor(
    private readonly target: { host: string; port: number },
    private readonly random: Rng,
  ) {}

  setTarget(port: number): void {
    this.target.port = port;
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((client) => this.handle(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops every open connection: the box gets "connection refused". */
  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Drops open connections (the link blips) but keeps listening. */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  private plan(): Plan {
    const f = this.faults;
    const r = this.random;
    if (chance(r, f.error500)) return { kind: 'error500' };
    if (chance(r, f.cutRequest)) return { kind: 'cutRequest', at: r() };
    if (chance(r, f.loseResponse)) return { kind: 'loseResponse' };
    if (chance(r, f.cutResponse)) return { kind: 'cutResponse', at: between(r, 1, 400) };
    if (chance(r, f.stall)) return { kind: 'stall', at: r() };
    return { kind: 'pass' };
  }

  /**
   * HTTP/1.1 without pipelining alternates request and answer on a connection, so data from the
   * box after an answer began is the next request: each request gets its own plan.
   */
  private handle(client: net.Socket): void {
    this.stats.connections++;
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => {});
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    let plan: Plan = this.plan();
    let phase: 'request' | 'answer' = 'request';
    let up = 0;
    let down = 0;
    let stalled = false;
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (stalled) return;
      if (phase === 'answer' || up === 0) {
        if (phase === 'answer') plan = this.plan();
        phase = 'request';
        up = 0;
        down = 0;
        if (plan.kind === 'cutRequest' || plan.kind === 'stall') plan = { ...plan, at: Math.floor(plan.at * requestLength(chunk)) };
      }
      if (plan.kind === 'error500') {
        this.stats.errors500++;
        const body = '{"error":"proxy_fault","message":"injected 500"}';
        client.end(`HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
        upstream.destroy();
        stalled = true;
        return;
      }
      let piece = chunk;
      const limit = plan.kind === 'cutRequest' || plan.kind === 'stall' ? plan.at : Infinity;
      if (up + chunk.length > limit) piece = chunk.subarray(0, Math.max(0, limit - up));
      if (piece.length) {
        upstream.write(piece);
        up += piece.length;
        this.stats.bytesUp += piece.length;
        this.onBytesUp?.(this.stats.bytesUp);
      }
      if (piece.length < chunk.length) {
        if (plan.kind === 'cutRequest') {
          this.stats.cutRequests++;
          cut();
        } else {
          this.stats.stalls++;
          stalled = true;
        }
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (stalled) return;
      phase = 'answer';
      if (plan.kind === 'loseResponse') {
        this.stats.lostResponses++;
        return cut();
      }
      if (plan.kind === 'cutResponse' && down + chunk.length >= plan.at) {
        client.write(chunk.subarray(0, plan.at - down));
        this.stats.cutResponses++;
        return cut();
      }
      down += chunk.length;
      client.write(chunk);
    });
  }
}
