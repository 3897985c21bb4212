/**
 * PINs are stored as scrypt hashes: `scrypt$N$r$p$salt$hash` (base64), so the cost can be raised
 * later without invalidating stored PINs. Hashing runs in libuv's thread pool, off the event loop.
 *
 * Parameters: N = 2^15, r = 8, p = 1 (32 MiB of memory per hash), 16-byte random salt, 32-byte key;
 * 0.1 to 0.25 s per hash on one x86 core (measured on a shared build machine), more on a Jetson.
 * Hashes made with the older N = 2^14 keep working (the parameters travel with each hash). What this
 * buys against a stolen database: a 4-digit PIN falls within an hour of one core, a 6-digit one
 * within a few days, so the PIN alone does not protect a copied database; on the box, the per-user delays and the box-wide guess budget
 * (auth.ts) are what stop guessing. Minimum lengths: see pin-policy.ts.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const COST = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LEN = 32;

function derive(pin: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(pin.normalize('NFC'), salt, KEY_LEN, { ...opts, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(pin, salt, COST);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(pin, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}
