/**
 * Values for the fuzzer: plausible ones built from a JSON schema (so that requests get past the
 * first checks and reach the code behind them), and hostile ones (NUL, huge, unicode, wrong types,
 * out-of-range numbers) that replace a part of a plausible one.
 */
import type { Random } from './random.ts';

/** A JSON schema, read loosely: the fuzzer only looks at the keywords it knows. */
export type Schema = Record<string, any>;

/** Ids the targets know (a sample, an image...), so that some requests reach real records. */
export interface Known {
  uuids: string[];
  sha256s: string[];
}

const HOSTILE_STRINGS = [
  '',
  '\u0000',
  'a\u0000b',
  '../../../../etc/passwd',
  '%00',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '\ud800',
  '\udfff\ud800',
  '😀'.repeat(50),
  'é'.normalize('NFD'),
  '\r\n\r\nX-Injected: 1',
  ' ',
  'null',
  'true',
  '-1',
  '1e309',
  'NaN',
  '0x7fffffff',
  '{}',
  '[]',
];
const HOSTILE_NUMBERS = [-1, 0, -0, 0.5, -(2 ** 31) - 1, 2 ** 31, 2 ** 32, 2 ** 53 + 1, -(2 ** 63), 1e308, -1e308, 1e-320, Number.MAX_SAFE_INTEGER];

export function hostileString(rng: Random): string {
  if (rng.chance(0.15)) return rng.pick(['x', 'é', '😀', '\u0000', 'A']).repeat(rng.pick([1000, 70_000, 300_000]));
  return rng.pick(HOSTILE_STRINGS);
}

/** Any JSON value of a random type, sometimes deeply nested. */
export function hostileValue(rng: Random, depth = 0): unknown {
  switch (rng.int(0, 8)) {
    case 0:
      return hostileString(rng);
    case 1:
      return rng.pick(HOSTILE_NUMBERS);
    case 2:
      return rng.chance(0.5);
    case 3:
      return null;
    case 4:
      return depth < 3 ? Array.from({ length: rng.int(0, 4) }, () => hostileValue(rng, depth + 1)) : [];
    case 5:
      return depth < 3 ? { [hostileString(rng).slice(0, 40) || 'k']: hostileValue(rng, depth + 1) } : {};
    case 6: {
      // Deep nesting: parsers and validators must not blow the stack.
      let v: unknown = 1;
      for (let i = 0; i < rng.pick([50, 1000, 5000]); i++) v = rng.chance(0.5) ? [v] : { a: v };
      return v;
    }
    case 7:
      return rng.pick(HOSTILE_NUMBERS) * (rng.chance(0.5) ? 1 : -1);
    default:
      return Array.from({ length: rng.pick([1000, 20_000]) }, () => 0);
  }
}

/** A value the schema would (mostly) accept. */
export function plausible(schema: Schema | undefined, rng: Random, known: Known, depth = 0): unknown {
  if (!schema || depth > 8) return rng.pick(['x', 1, true]);
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return rng.pick(schema.enum);
  if (Array.isArray(schema.anyOf ?? schema.oneOf)) return plausible(rng.pick(schema.anyOf ?? schema.oneOf), rng, known, depth + 1);
  const type = Array.isArray(schema.type) ? rng.pick(schema.type.filter((t: string) => t !== 'null').concat(['null'])) : schema.type;
  switch (type) {
    case 'null':
      return null;
    case 'boolean':
      return rng.chance(0.5);
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : 0;
      const max = typeof schema.maximum === 'number' ? schema.maximum : min + 100;
      const n = min + rng.next() * Math.min(max - min, 1000);
      return type === 'integer' ? Math.ceil(n) : n;
    }
    case 'array': {
      const n = Math.min(schema.maxItems ?? 3, Math.max(schema.minItems ?? 0, rng.int(0, 3)));
      return Array.from({ length: n }, () => plausible(schema.items, rng, known, depth + 1));
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = new Set<string>(schema.required ?? []);
      for (const [k, s] of Object.entries<Schema>(schema.properties ?? {})) if (required.has(k) || rng.chance(0.6)) out[k] = plausible(s, rng, known, depth + 1);
      return out;
    }
    default:
      return plausibleString(schema, rng, known);
  }
}

function plausibleString(schema: Schema, rng: Random, known: Known): string {
  const pattern = String(schema.pattern ?? '');
  if (schema.format === 'uuid' || pattern.includes('[0-9a-f]{8}-')) return known.uuids.length && rng.chance(0.7) ? rng.pick(known.uuids) : rng.uuid();
  if (pattern.includes('{64}')) return known.sha256s.length && rng.chance(0.7) ? rng.pick(known.sha256s) : rng.hex(64);
  if (pattern.startsWith('^[0-9]')) return String(rng.int(0, 20));
  if (schema.format === 'date-time') return new Date(Date.UTC(2026, 0, rng.int(1, 28))).toISOString();
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : 20;
  return 'fuzz-'.concat(rng.hex(8)).slice(0, Math.max(schema.minLength ?? 1, Math.min(max, 13)));
}

/** A copy of a plausible value with one part replaced, removed, or an unknown part added. */
export function mutate(value: unknown, rng: Random): unknown {
  if (value === null || typeof value !== 'object' || rng.chance(0.15)) return hostileValue(rng);
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const what = rng.int(0, 3);
  if (what === 0 || keys.length === 0) (copy as Record<string, unknown>)[rng.chance(0.5) ? 'unexpected' : hostileString(rng).slice(0, 30)] = hostileValue(rng);
  else {
    const k = rng.pick(keys);
    if (what === 1) delete (copy as Record<string, unknown>)[k];
    else (copy as Record<string, unknown>)[k] = what === 2 ? hostileValue(rng) : mutate((copy as Record<string, unknown>)[k], rng);
  }
  return copy;
}
