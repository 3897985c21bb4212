/**
 * Logger options for the daemon (pino → stdout → journald): patient identifiers and secrets are
 * censored wherever a log call puts them, and query strings never reach the log because searches
 * by patient reference travel in them.
 */
const SENSITIVE = ['patientId', 'patient_id', 'patient', 'patientName', 'reference', 'pin', 'supervisorPin', 'token', 'authorization'];

// pino's redact paths match fixed depths; objects logged by routes are at most a few levels deep.
export const REDACT_PATHS: string[] = SENSITIVE.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]);

export const REDACT_CENSOR = '[redacted]';

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  hostname?: string;
  ip?: string;
}

/** Request serializer: fastify's fields minus the query string. */
export function serializeRequest(req: LoggedRequest): Record<string, unknown> {
  return { method: req.method, url: req.url.split('?')[0], host: req.host ?? req.hostname, remoteAddress: req.ip };
}

export function loggerOptions(level: string): Record<string, unknown> {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: REDACT_CENSOR },
    serializers: { req: serializeRequest },
  };
}

/** A logger that drops everything, for the services that take one in benches and tests. */
export function silentLogger<T = never>(): T {
  const log = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, fatal() {}, silent() {}, child: () => log, level: 'silent' };
  return log as T;
}
