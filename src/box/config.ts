/**
 * The daemon's one typed configuration: defaults, then a JSON file (LEUKODIFF_CONFIG), then the
 * environment. Validated once at startup; a bad value is a ConfigError naming the key.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BackendSetting } from '../core/inference/backend.ts';
import { PROJECT_ROOT } from '../project-root.ts';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** The models the daemon loads: the installed model set (modelSetsDir/current) when there is one, else this. */
  modelsDir: string;
  /** Where model bundles install sets (<root>/model-sets, src/box/deploy/model-bundle/layout.ts); null: none. */
  modelSetsDir: string | null;
  backend: BackendSetting;
  hubUrl: string | null;
  /** Intra-op threads for onnxruntime (0 = its default). */
  threads: number;
  /** Largest accepted image, in pixels (a decompression-bomb guard). */
  maxImagePixels: number;
  /** Largest accepted upload, in bytes. */
  maxUploadBytes: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Fields waiting for or in analysis before uploads are refused with 503. */
  queueCapacity: number;
  /** Leukocytes to count per sample; seeds the settings table, where a supervisor can change it. */
  targetCount: number;
  /** Uploads are refused (507) when the data folder has less free space than this. */
  minFreeBytes: number;
  /** The box's hub token (keep it out of files others read; prefer hubTokenFile). */
  hubToken: string | null;
  /** File holding the hub token (read at startup). */
  hubTokenFile: string | null;
  /** PEM file of the CA (or certificate) the hub's TLS certificate must chain to; replaces the system CAs. */
  hubCaFile: string | null;
  /** First retry delay after the hub failed; doubles per failure (full jitter), up to syncBackoffCapMs. */
  syncBackoffBaseMs: number;
  syncBackoffCapMs: number;
  /** While the hub is unreachable: how often a cheap probe checks whether the link is back. */
  syncProbeMs: number;
  /** While all is delivered: how often to ask the hub for new reviews. */
  syncPollMs: number;
  /** Longest wait for one request to the hub. */
  syncTimeoutMs: number;
  /** Largest request body sent to the hub (images go in parts of at most this). */
  syncMaxRequestBytes: number;
  /**
   * Extra host names or addresses (besides host, 127.0.0.1, localhost and [::1]) the daemon answers
   * to in the Host header and accepts as the Origin of a change: the box's LAN address or name when
   * it listens beyond loopback. Anything else is refused (DNS rebinding, other sites).
   */
  allowedHosts: string[];
  /** Images decoded (or analysed from their pixels) at once. */
  decodeConcurrency: number;
  /** Pixels decoded at once across those; a larger image waits until it can run alone. */
  decodePixelBudget: number;
  /** Open event streams (GET /api/events) at once; more are answered 503. */
  maxEventStreams: number;
  /** Open HTTP connections at once (the kiosk needs a handful); more are dropped by the server. */
  maxConnections: number;
  /** Longest time to receive one whole request (headers and body), in ms. */
  requestTimeoutMs: number;
}

export class ConfigError extends Error {}

export function defaultConfig(): Config {
  return {
    host: '127.0.0.1',
    port: 8080,
    dataDir: path.join(PROJECT_ROOT, 'data'),
    modelsDir: path.join(PROJECT_ROOT, 'models'),
    modelSetsDir: null,
    backend: 'auto',
    hubUrl: null,
    threads: 0,
    maxImagePixels: 50_000_000,
    maxUploadBytes: 40 * 1024 * 1024,
    logLevel: 'info',
    queueCapacity: 16,
    targetCount: 100,
    minFreeBytes: 64 * 1024 * 1024,
    hubToken: null,
    hubTokenFile: null,
    hubCaFile: null,
    syncBackoffBaseMs: 2000,
    syncBackoffCapMs: 10 * 60 * 1000,
    syncProbeMs: 30_000,
    syncPollMs: 60_000,
    syncTimeoutMs: 30_000,
    syncMaxRequestBytes: 1024 * 1024,
    allowedHosts: [],
    decodeConcurrency: 2,
    decodePixelBudget: 50_000_000,
    maxEventStreams: 32,
    maxConnections: 256,
    requestTimeoutMs: 120_000,
  };
}

const ENV_KEYS: Record<string, keyof Config> = {
  LEUKODIFF_HOST: 'host',
  LEUKODIFF_PORT: 'port',
  PORT: 'port',
  LEUKODIFF_DATA: 'dataDir',
  LEUKODIFF_MODELS: 'modelsDir',
  LEUKODIFF_MODEL_SETS: 'modelSetsDir',
  LEUKODIFF_BACKEND: 'backend',
  LEUKODIFF_HUB_URL: 'hubUrl',
  LEUKODIFF_THREADS: 'threads',
  LEUKODIFF_LOG_LEVEL: 'logLevel',
  LEUKODIFF_QUEUE_CAPACITY: 'queueCapacity',
  LEUKODIFF_MIN_FREE_BYTES: 'minFreeBytes',
  LEUKODIFF_HUB_TOKEN: 'hubToken',
  LEUKODIFF_HUB_TOKEN_FILE: 'hubTokenFile',
  LEUKODIFF_HUB_CA_FILE: 'hubCaFile',
  LEUKODIFF_SYNC_BACKOFF_BASE_MS: 'syncBackoffBaseMs',
  LEUKODIFF_SYNC_BACKOFF_CAP_MS: 'syncBackoffCapMs',
  LEUKODIFF_SYNC_PROBE_MS: 'syncProbeMs',
  LEUKODIFF_SYNC_POLL_MS: 'syncPollMs',
  LEUKODIFF_SYNC_TIMEOUT_MS: 'syncTimeoutMs',
  LEUKODIFF_SYNC_MAX_REQUEST_BYTES: 'syncMaxRequestBytes',
  LEUKODIFF_ALLOWED_HOSTS: 'allowedHosts',
  LEUKODIFF_DECODE_CONCURRENCY: 'decodeConcurrency',
  LEUKODIFF_DECODE_PIXEL_BUDGET: 'decodePixelBudget',
  LEUKODIFF_MAX_EVENT_STREAMS: 'maxEventStreams',
  LEUKODIFF_MAX_CONNECTIONS: 'maxConnections',
  LEUKODIFF_REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
};

type Validator = (value: unknown, key: string) => unknown;

const int =
  (min: number, max: number): Validator =>
  (v, key) => {
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(`config ${key}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    }
    return n;
  };
const oneOf =
  (...choices: string[]): Validator =>
  (v, key) => {
    if (typeof v !== 'string' || !choices.includes(v)) {
      throw new ConfigError(`config ${key}: expected one of ${choices.join(', ')}, got ${JSON.stringify(v)}`);
    }
    return v;
  };
const text: Validator = (v, key) => {
  if (typeof v !== 'string' || v === '') throw new ConfigError(`config ${key}: expected a non-empty string`);
  return v;
};
const dir: Validator = (v, key) => path.resolve(text(v, key) as string);
const url: Validator = (v, key) => {
  if (v === null || v === '') return null;
  try {
    const u = new URL(text(v, key) as string);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
    return u.toString().replace(/\/$/, '');
  } catch {
    throw new ConfigError(`config ${key}: expected an http(s) URL, got ${JSON.stringify(v)}`);
  }
};

/** Host names or IP addresses: a JSON array, or one comma-separated string (the environment). */
const hostList: Validator = (v, key) => {
  const items = typeof v === 'string' ? v.split(',') : v;
  if (!Array.isArray(items)) throw new ConfigError(`config ${key}: expected host names, comma-separated or as a JSON array`);
  if (items.some((item) => typeof item !== 'string')) throw new ConfigError(`config ${key}: expected host names as strings`);
  const names = (items as string[]).map((item) => item.trim().toLowerCase()).filter((item) => item !== '');
  for (const name of names) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(`http://${name}`);
    } catch {
      // refused below
    }
    if (!parsed || parsed.hostname !== name || parsed.port !== '') {
      throw new ConfigError(`config ${key}: ${JSON.stringify(name)} is not a host name or address (no scheme, no port; IPv6 in brackets, e.g. [fe80::1])`);
    }
  }
  return names;
};

// The token itself never goes into the message.
const token: Validator = (v, key) => {
  if (typeof v !== 'string' || !/^[\x21-\x7e]{16,512}$/.test(v.trim())) throw new ConfigError(`config ${key}: expected a device token as printed by the hub's provision-device`);
  return v.trim();
};

const VALIDATORS: Record<keyof Config, Validator> = {
  host: text,
  port: int(0, 65535),
  dataDir: dir,
  modelsDir: dir,
  modelSetsDir: (v, key) => (v === null || v === '' ? null : dir(v, key)),
  backend: oneOf('auto', 'tensorrt', 'onnxruntime'),
  hubUrl: url,
  threads: int(0, 256),
  maxImagePixels: int(1, 1_000_000_000),
  maxUploadBytes: int(1, 2 ** 31),
  logLevel: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  queueCapacity: int(1, 10_000),
  targetCount: int(1, 10_000),
  minFreeBytes: int(0, Number.MAX_SAFE_INTEGER),
  hubToken: (v, key) => (v === null || v === '' ? null : token(v, key)),
  hubTokenFile: (v, key) => (v === null || v === '' ? null : dir(v, key)),
  hubCaFile: (v, key) => (v === null || v === '' ? null : dir(v, key)),
  syncBackoffBaseMs: int(10, 3_600_000),
  syncBackoffCapMs: int(100, 24 * 3_600_000),
  syncProbeMs: int(100, 3_600_000),
  syncPollMs: int(100, 24 * 3_600_000),
  syncTimeoutMs: int(100, 600_000),
  syncMaxRequestBytes: int(16 * 1024, 256 * 1024 * 1024),
  allowedHosts: hostList,
  decodeConcurrency: int(1, 64),
  decodePixelBudget: int(1_000_000, 2_000_000_000),
  maxEventStreams: int(1, 10_000),
  maxConnections: int(16, 100_000),
  requestTimeoutMs: int(1000, 3_600_000),
};

/** Loads the configuration; `overrides` (tests, CLI flags) apply last. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const raw: Record<string, unknown> = { ...defaultConfig() };
  const file = env.LEUKODIFF_CONFIG;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`config file ${file}: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`config file ${file}: expected a JSON object`);
    }
    for (const [key, value] of Object.entries(parsed)) {
      if (!(key in VALIDATORS)) {
        throw new ConfigError(`config file ${file}: unknown key '${key}' (known: ${Object.keys(VALIDATORS).join(', ')})`);
      }
      raw[key] = value;
    }
  }
  // PORT is the generic name; LEUKODIFF_PORT wins when both are set.
  for (const name of ['PORT', ...Object.keys(ENV_KEYS).filter((k) => k !== 'PORT')]) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[ENV_KEYS[name]] = value;
  }
  Object.assign(raw, overrides);
  const config = {} as Record<string, unknown>;
  for (const [key, validate] of Object.entries(VALIDATORS)) config[key] = validate(raw[key], key);
  // A model set installed by a model bundle replaces the release's models, unless models are named here.
  const installed = config.modelSetsDir ? path.join(config.modelSetsDir as string, 'current') : null;
  if (installed && overrides.modelsDir === undefined && existsSync(path.join(installed, 'manifest.json'))) config.modelsDir = installed;
  return config as unknown as Config;
}
