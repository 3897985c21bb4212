/**
 * A small HTTP(S) client for the hub on node:http: one keep-alive agent, an optional pinned CA
 * (it replaces the system CAs), a deadline per request, a cap on response size, and a way to
 * abort everything in flight when the daemon stops. The bearer token goes in a header and never
 * into an error message.
 */
import http from 'node:http';
import https from 'node:https';

export type TransportKind = 'network' | 'timeout' | 'tls' | 'aborted';

export class TransportError extends Error {
  constructor(
    readonly kind: TransportKind,
    message: string,
  ) {
    super(message);
  }
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON when the hub answered JSON, else null. */
  json: unknown;
}

export interface HttpOptions {
  baseUrl: string;
  token: string;
  /** PEM: the hub's certificate must chain to this. */
  ca?: Buffer | null;
  timeoutMs: number;
  maxResponseBytes?: number;
}

const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS|ERR_SSL|HOSTNAME_MISMATCH)/;

export class HubHttp {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly inFlight = new Set<http.ClientRequest>();
  private closed = false;

  constructor(private readonly opts: HttpOptions) {
    this.base = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`);
    const common = { keepAlive: true, maxSockets: 2, keepAliveMsecs: 10_000 };
    this.agent = this.base.protocol === 'https:' ? new https.Agent({ ...common, ...(opts.ca ? { ca: opts.ca } : {}) }) : new http.Agent(common);
  }

  /** The hub's origin, for display (never the token). */
  get origin(): string {
    return this.base.origin;
  }

  request(method: string, path: string, body?: { json?: unknown; bytes?: Buffer }): Promise<HttpResponse> {
    if (this.closed) return Promise.reject(new TransportError('aborted', 'sync stopped'));
    const url = new URL(path.replace(/^\//, ''), this.base);
    const payload = body?.json !== undefined ? Buffer.from(JSON.stringify(body.json)) : body?.bytes;
    const headers: Record<string, string | number> = { authorization: `Bearer ${this.opts.token}`, accept: 'application/json' };
    if (payload) {
      headers['content-type'] = body?.json !== undefined ? 'application/json' : 'application/octet-stream';
      headers['content-length'] = payload.length;
    }
    const lib = url.protocol === 'https:' ? https : http;
    const max = this.opts.maxResponseBytes ?? 4 * 1024 * 1024;
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = lib.request(url, { method, headers, agent: this.agent });
      this.inFlight.add(req);
      const where = `${method} ${url.pathname}`;
      let settled = false;
      const settle = (err: TransportError | null, value?: HttpResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(req);
        if (err) {
          req.destroy();
          reject(err);
        } else resolve(value!);
      };
      const timer = setTimeout(() => settle(new TransportError('timeout', `${where}: no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
      req.on('error', (err: Error & { code?: string }) => {
        if (err instanceof TransportError) return settle(err);
        const code = err.code ?? '';
        const tls = TLS_CODES.test(code);
        settle(new TransportError(tls ? 'tls' : 'network', `${where}: ${code || err.message}${tls ? ` (${err.message})` : ''}`));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > max) settle(new TransportError('network', `${where}: answer larger than ${max} bytes`));
          else chunks.push(c);
        });
        res.on('error', () => settle(new TransportError('network', `${where}: answer cut off`)));
        res.on('close', () => {
          if (!res.complete) settle(new TransportError('network', `${where}: answer cut off`));
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = null;
          if (/json/.test(String(res.headers['content-type'] ?? ''))) {
            try {
              json = JSON.parse(text);
            } catch {
              return settle(new TransportError('network', `${where}: answer cut off (invalid JSON)`));
            }
          }
          settle(null, { status: res.statusCode ?? 0, headers: res.headers, json });
        });
      });
      req.end(payload);
    });
  }

  /** Aborts what is in flight (they fail with 'aborted'). */
  abort(): void {
    for (const req of [...this.inFlight]) req.destroy(new TransportError('aborted', 'sync stopped'));
  }

  close(): void {
    this.closed = true;
    this.abort();
    this.agent.destroy();
  }
}
