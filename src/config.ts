/**
 * The daemon's one typed configuration: defaults, then a JSON file (LEUKODIFF_CONFIG), then the
 * environment. Validated once at startup; a bad value is a ConfigError naming the key.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export type BackendSetting = 'auto' | 'tensorrt' | 'onnxruntime';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  modelsDir: string;
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
}

export class ConfigError extends Error {}

export function defaultConfig(): Config {
  return {
    host: '127.0.0.1',
    port: 8080,
    dataDir: path.join(PROJECT_ROOT, 'data'),
    modelsDir: path.join(PROJECT_ROOT, 'models'),
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
  };
}

const ENV_KEYS: Record<string, keyof Config> = {
  LEUKODIFF_HOST: 'host',
  LEUKODIFF_PORT: 'port',
  PORT: 'port',
  LEUKODIFF_DATA: 'dataDir',
  LEUKODIFF_MODELS: 'modelsDir',
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
};

type Validator = (value: unknown, key: string) => unknown;

const int = (min: number, max: number): Validator => (v, key) => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`config ${key}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return n;
};
const oneOf = (...choices: string[]): Validator => (v, key) => {
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
  return config as unknown as Config;
}
