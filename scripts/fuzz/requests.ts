/**
 * One fuzz request for a target: a known route with plausible or mutated parameters, query, body
 * and headers, or a random path and method. Every request says in `note` how it was made.
 */
import type { Random } from './random.ts';
import type { Route } from './routes.ts';
import type { Target } from './processes.ts';
import { hostileString, hostileValue, mutate, plausible } from './values.ts';

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  note: string;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND', 'TRACE'];
const CONTENT_TYPES = [
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'application/octet-stream',
  'image/png',
  'application/json; charset=utf-16',
  '*/*',
  '',
  'a/b; c=d; e',
];
// A 1x1 PNG, so that some uploads hold a real image.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** encodeURIComponent, except that a lone surrogate becomes the bytes a careless client would send. */
function encode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd')).replace(/%EF%BF%BD/g, '%ED%A0%80');
  }
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v) ?? 'null');

function rawJunk(rng: Random): Buffer {
  switch (rng.int(0, 6)) {
    case 0:
      return Buffer.from('{"a":');
    case 1:
      return Buffer.alloc(0);
    case 2:
      return rng.bytes(rng.int(1, 5000));
    case 3:
      return Buffer.from('['.repeat(rng.pick([100, 10_000, 100_000])));
    case 4:
      return Buffer.from('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}');
    case 5:
      return Buffer.from('\ufeff{"x": 1}');
    default:
      return Buffer.from(`"${'x'.repeat(rng.pick([10, 2_000_000]))}"`);
  }
}

function multipart(rng: Random, fields: Record<string, unknown>): { body: Buffer; type: string } {
  const boundary = `fuzz${rng.hex(12)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${String(v)}\r\n`));
  const file = rng.pick([PNG, rng.bytes(rng.int(0, 3000)), Buffer.concat([PNG.subarray(0, 30), rng.bytes(20)])]);
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${rng.pick(['image', 'image', 'file', 'x"y'])}"; filename="${rng.pick(['a.png', '../../x', 'é.jpg'])}"\r\nContent-Type: ${rng.pick(['image/png', 'image/jpeg', 'text/plain'])}\r\n\r\n`,
    ),
    file,
    Buffer.from('\r\n'),
  );
  let body = Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]);
  let type = `multipart/form-data; boundary=${boundary}`;
  switch (rng.int(0, 5)) {
    case 0:
      type = 'multipart/form-data'; // no boundary
      break;
    case 1:
      body = body.subarray(0, rng.int(0, body.length - 1)); // cut short
      break;
    case 2:
      type = `multipart/form-data; boundary=other`;
      break;
    default:
      break;
  }
  return { body, type };
}

function fillPath(route: Route, rng: Random, target: Target): string {
  return route.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    if (rng.chance(0.75)) return encode(String(plausible(route.params?.properties?.[name], rng, target.known)));
    const s = hostileString(rng).slice(0, rng.pick([10, 5000]));
    return rng.chance(0.7) ? encode(s) : s.replace(/[^\x21-\x7e]/g, '%');
  });
}

function queryString(route: Route, rng: Random, target: Target): string {
  if (rng.chance(0.05)) return `?${rng.pick(['%zz', 'a[b]=1&a[c]=2', 'a=1&a=2', '&&&=', '%00=%00', 'x'.repeat(20_000)])}`;
  if (!route.query && rng.chance(0.8)) return '';
  let q = plausible(route.query, rng, target.known) as Record<string, unknown>;
  if (rng.chance(0.4)) q = mutate(q, rng) as Record<string, unknown>;
  if (q === null || typeof q !== 'object') q = { q };
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) params.append(k, typeof v === 'object' && v !== null ? JSON.stringify(v).slice(0, 5000) : String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

export function makeRequest(routes: Route[], target: Target, rng: Random): FuzzRequest {
  if (rng.chance(0.08)) {
    const base = rng.chance(0.5) ? rng.pick(routes).path.replace(/:[A-Za-z0-9_]+/g, 'x') : '';
    const junk = rng.pick(['/', '/..', '/%2e%2e/%2e%2e', `/${encode(hostileString(rng).slice(0, 200))}`, '//', '/api/../../', '/%00', `/${'a/'.repeat(500)}`]);
    return { method: rng.pick(METHODS), path: `${base}${junk}`, headers: target.headers(base), note: 'random path' };
  }
  const route = rng.pick(routes);
  const method = rng.chance(0.05) ? rng.pick(METHODS) : route.method;
  const path = fillPath(route, rng, target) + queryString(route, rng, target);
  const headers = { ...target.headers(route.path) };
  const notes: string[] = [];
  let body: Buffer | undefined;
  const value = () => {
    const v = plausible(route.body, rng, target.known);
    return rng.chance(0.5) ? v : mutate(v, rng);
  };
  switch (route.bodyKind) {
    case 'json':
      headers['content-type'] = 'application/json';
      body = rng.chance(0.15) ? rawJunk(rng) : json(value());
      // A number JSON.stringify cannot write: JSON.parse makes it Infinity.
      if (rng.chance(0.1)) body = Buffer.from(body.toString().replace(/(?<=:)-?\d+(\.\d+)?/, rng.pick(['1e400', '-1e400', '1e-400', '123456789012345678901234567890'])));
      break;
    case 'form': {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      const v = value();
      const params = new URLSearchParams();
      if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) params.append(k, typeof x === 'string' ? x : (JSON.stringify(x) ?? ''));
      if (rng.chance(0.3)) params.append(`cell.${rng.pick(target.known.uuids.length ? target.known.uuids : ['x'])}`, rng.pick(['monocyte', 'blast', hostileString(rng).slice(0, 100)]));
      body = Buffer.from(rng.chance(0.1) ? '%zz=%&&=' : params.toString());
      break;
    }
    case 'octet':
      headers['content-type'] = 'application/octet-stream';
      body = rng.chance(0.8) ? rng.bytes(rng.int(0, 4000)) : json(hostileValue(rng));
      break;
    case 'multipart': {
      const m = multipart(rng, (value() as Record<string, unknown>) ?? {});
      headers['content-type'] = m.type;
      body = m.body;
      break;
    }
    default:
      if (rng.chance(0.1)) {
        headers['content-type'] = 'application/json';
        body = json(hostileValue(rng));
      }
  }
  if (rng.chance(0.08)) {
    headers['content-type'] = rng.pick(CONTENT_TYPES);
    notes.push('content-type');
  }
  if (rng.chance(0.08)) {
    delete headers.authorization;
    delete headers.cookie;
    notes.push('no credentials');
  } else if (rng.chance(0.05)) {
    headers.authorization = rng.pick([
      'Bearer ',
      'Bearer ld1.x.y',
      `Basic ${Buffer.from('a\u0000:b').toString('base64')}`,
      'Basic !!!',
      `Basic ${Buffer.from(':').toString('base64')}`,
      `Bearer ${'a'.repeat(8000)}`,
      'Digest x',
    ]);
    if (headers.cookie) headers.cookie = rng.pick(['leukodiff_review=', 'leukodiff_review=x', `leukodiff_review=${'a'.repeat(8000)}`, 'leukodiff_review=%00']);
    notes.push('bad credentials');
  }
  if (rng.chance(0.04)) {
    headers.host = rng.pick(['evil.example', '127.0.0.1:1', 'localhost', '[::1]', 'a b', '']);
    notes.push('host');
  }
  if (rng.chance(0.04)) {
    headers.origin = rng.pick(['https://evil.example', 'null', 'http://127.0.0.1', 'not a url']);
    notes.push('origin');
  }
  if (rng.chance(0.03)) {
    headers['x-fuzz'] = 'x'.repeat(rng.pick([100, 20_000]));
    headers.accept = rng.pick(['text/event-stream', 'application/xml', '*/*;q=abc']);
    headers['accept-encoding'] = 'gzip, br, zstd, ;q=';
    notes.push('extra headers');
  }
  return { method, path, headers, body, note: [`${route.method} ${route.path} ${route.bodyKind}`, ...notes].join('; ') };
}
