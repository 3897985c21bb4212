/**
 * Device tokens and reviewer passwords. Both are random (at least 128 bits), so a plain sha256 of
 * the secret is a safe thing to store and cheap to check on every request; a slow hash protects
 * only guessable secrets. Comparison is constant-time.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

const TOKEN = /^ld1\.([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

export const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A new device token: `ld1.<device id>.<secret>`; only the secret's hash is stored. */
export function newDeviceToken(): { deviceId: string; token: string; hash: string } {
  const deviceId = randomUUID();
  const secret = newSecret();
  return { deviceId, token: `ld1.${deviceId}.${secret}`, hash: hashSecret(secret) };
}

export function parseDeviceToken(token: string): { deviceId: string; secret: string } | null {
  const m = TOKEN.exec(token.trim());
  return m ? { deviceId: m[1], secret: m[2] } : null;
}
