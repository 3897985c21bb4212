/**
 * The hub's configuration, from the environment (a JSON file is not needed: the hub runs under a
 * service manager or a container). Validated once; a bad value is a HubConfigError naming the key.
 */
import path from 'node:path';
import { PROJECT_ROOT } from '../project-root.ts';

export interface HubConfig {
  host: string;
  port: number;
  /** Folder of the SQLite database (when no DATABASE_URL is given). */
  dataDir: string;
  /** PostgreSQL connection string; null: SQLite in dataDir. */
  databaseUrl: string | null;
  /** PostgreSQL schema to use (created if absent); null: the server's search_path. */
  dbSchema: string | null;
  /** PostgreSQL connections per hub process. */
  dbPoolSize: number;
  tlsCertFile: string | null;
  tlsKeyFile: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest image accepted, decoded, in bytes. */
  maxImageBytes: number;
  /** Largest request body (an image chunk), in bytes; the boxes learn it from /api/v1/ping. */
  maxRequestBytes: number;
  /** Largest sample revision (JSON), in bytes. */
  maxRevisionBytes: number;
  /** An image upload not completed this long after it started is removed (its parts free their space). */
  uploadTtlSeconds: number;
  /** Storage one device may fill at the hub (its images and upload parts), in bytes. */
  deviceQuotaBytes: number;
  /** A reviewer's session idle this long no longer opens pages (signing with the password still works). */
  reviewerIdleMinutes: number;
  /** A reviewer's session ends this long after sign-in. */
  reviewerSessionHours: number;
}

export class HubConfigError extends Error {}

export function defaultHubConfig(): HubConfig {
  return {
    host: '127.0.0.1',
    port: 8443,
    dataDir: path.join(PROJECT_ROOT, 'data', 'hub'),
    databaseUrl: null,
    dbSchema: null,
    dbPoolSize: 10,
    tlsCertFile: null,
    tlsKeyFile: null,
    logLevel: 'info',
    maxImageBytes: 64 * 1024 * 1024,
    maxRequestBytes: 8 * 1024 * 1024,
    maxRevisionBytes: 4 * 1024 * 1024,
    uploadTtlSeconds: 24 * 3600,
    deviceQuotaBytes: 20 * 1024 ** 3,
    reviewerIdleMinutes: 30,
    reviewerSessionHours: 12,
  };
}

const ENV: Record<string, keyof HubConfig> = {
  PORT: 'port',
  LEUKODIFF_HUB_HOST: 'host',
  LEUKODIFF_HUB_PORT: 'port',
  LEUKODIFF_HUB_DATA: 'dataDir',
  DATABASE_URL: 'databaseUrl',
  LEUKODIFF_HUB_DB_SCHEMA: 'dbSchema',
  LEUKODIFF_HUB_DB_POOL: 'dbPoolSize',
  LEUKODIFF_HUB_TLS_CERT: 'tlsCertFile',
  LEUKODIFF_HUB_TLS_KEY: 'tlsKeyFile',
  LEUKODIFF_HUB_LOG_LEVEL: 'logLevel',
  LEUKODIFF_HUB_MAX_IMAGE_BYTES: 'maxImageBytes',
  LEUKODIFF_HUB_MAX_REQUEST_BYTES: 'maxRequestBytes',
  LEUKODIFF_HUB_MAX_REVISION_BYTES: 'maxRevisionBytes',
  LEUKODIFF_HUB_UPLOAD_TTL_SECONDS: 'uploadTtlSeconds',
  LEUKODIFF_HUB_DEVICE_QUOTA_BYTES: 'deviceQuotaBytes',
  LEUKODIFF_HUB_REVIEWER_IDLE_MINUTES: 'reviewerIdleMinutes',
  LEUKODIFF_HUB_REVIEWER_SESSION_HOURS: 'reviewerSessionHours',
};

type Check = (v: unknown, key: string) => unknown;

const int =
  (min: number, max: number): Check =>
  (v, key) => {
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw new HubConfigError(`hub config ${key}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return n;
  };
const str: Check = (v, key) => {
  if (typeof v !== 'string' || v === '') throw new HubConfigError(`hub config ${key}: expected a non-empty string`);
  return v;
};
const optional =
  (check: Check): Check =>
  (v, key) =>
    v === null || v === undefined || v === '' ? null : check(v, key);
const file: Check = (v, key) => path.resolve(str(v, key) as string);
const postgresUrl: Check = (v, key) => {
  const s = str(v, key) as string;
  if (!/^postgres(ql)?:\/\//.test(s)) throw new HubConfigError(`hub config ${key}: expected a postgres:// URL`);
  return s;
};
const schemaName: Check = (v, key) => {
  const s = str(v, key) as string;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(s)) throw new HubConfigError(`hub config ${key}: expected a lowercase SQL identifier, got ${JSON.stringify(v)}`);
  return s;
};
const level: Check = (v, key) => {
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (typeof v !== 'string' || !levels.includes(v)) throw new HubConfigError(`hub config ${key}: expected one of ${levels.join(', ')}`);
  return v;
};

const CHECKS: Record<keyof HubConfig, Check> = {
  host: str,
  port: int(0, 65535),
  dataDir: file,
  databaseUrl: optional(postgresUrl),
  dbSchema: optional(schemaName),
  dbPoolSize: int(1, 200),
  tlsCertFile: optional(file),
  tlsKeyFile: optional(file),
  logLevel: level,
  maxImageBytes: int(1024, 2 ** 31 - 1),
  maxRequestBytes: int(16 * 1024, 256 * 1024 * 1024),
  maxRevisionBytes: int(16 * 1024, 256 * 1024 * 1024),
  uploadTtlSeconds: int(1, 365 * 24 * 3600),
  deviceQuotaBytes: int(1024, Number.MAX_SAFE_INTEGER),
  reviewerIdleMinutes: int(1, 24 * 60),
  reviewerSessionHours: int(1, 7 * 24),
};

export function loadHubConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<HubConfig> = {}): HubConfig {
  const raw: Record<string, unknown> = { ...defaultHubConfig() };
  // PORT is the generic name; LEUKODIFF_HUB_PORT wins when both are set.
  for (const name of Object.keys(ENV)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[ENV[name]] = value;
  }
  Object.assign(raw, overrides);
  const out: Record<string, unknown> = {};
  for (const [key, check] of Object.entries(CHECKS)) out[key] = check(raw[key], key);
  const cfg = out as unknown as HubConfig;
  if ((cfg.tlsCertFile === null) !== (cfg.tlsKeyFile === null)) throw new HubConfigError('hub config: give both tlsCertFile and tlsKeyFile, or neither');
  return cfg;
}
