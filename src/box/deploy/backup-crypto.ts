/**
 * Encryption of backups: the box's backup key (32 random bytes, made on first use, kept at 0600 in
 * <data>/config/backup.key), its written-down form (base32 in groups, with a checksum), and
 * streamed AES-256-GCM files. An encrypted file is
 *   header (28 bytes): "LKDBAK", format version (1), algorithm (1 = AES-256-GCM), key id (8), IV (12)
 *   ciphertext, then the 16-byte GCM tag
 * with the header as additional authenticated data, so any changed byte fails the tag.
 * Subkeys come from the key through HKDF: one encrypts, one names pooled images (an HMAC of their
 * sha256, so the stick does not reveal which known image it holds), one is the key id.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, chown, mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fsyncPath, writeThroughTemp } from './files.ts';

export class BackupKeyError extends Error {}

const MAGIC = Buffer.from('LKDBAK');
const VERSION = 1;
const ALG_AES_256_GCM = 1;
const HEADER_BYTES = MAGIC.length + 2 + 8 + 12;
const TAG_BYTES = 16;
/** Bytes an encrypted file has beyond its plaintext. */
export const ENCRYPTION_OVERHEAD = HEADER_BYTES + TAG_BYTES;
export const KEY_FILE = path.join('config', 'backup.key');

export interface BackupKey {
  /** 16 hex digits, written in each encrypted file's header and the manifest. */
  id: string;
  encKey: Buffer;
  nameKey: Buffer;
  raw: Buffer;
}

export function backupKey(raw: Buffer): BackupKey {
  const derive = (info: string, n: number) => Buffer.from(hkdfSync('sha256', raw, Buffer.alloc(0), `leukodiff backup ${info}`, n));
  return { id: derive('key id', 8).toString('hex'), encKey: derive('encryption', 32), nameKey: derive('image names', 32), raw };
}

// RFC 4648 base32: letters and 2-7 only, nothing a technician can confuse once 0/1/8 are mapped.
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The written-down form: key and a 2-byte checksum in base32, groups of five. */
export function formatKey(raw: Buffer): string {
  const bytes = Buffer.concat([raw, createHash('sha256').update(raw).digest().subarray(0, 2)]);
  let bits = 0;
  let acc = 0;
  let out = '';
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits) out += B32[(acc << (5 - bits)) & 31];
  return out.match(/.{1,5}/g)!.join('-');
}

export function parseKey(text: string): Buffer {
  const chars = text.toUpperCase().replace(/[\s-]/g, '').replace(/0/g, 'O').replace(/1/g, 'I').replace(/8/g, 'B');
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const c of chars) {
    const v = B32.indexOf(c);
    if (v < 0) throw new BackupKeyError(`the backup key has a character that is not in it: '${c}' (letters A-Z and digits 2-7 only)`);
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bytes.push((acc >>> (bits - 8)) & 255);
      bits -= 8;
      acc &= (1 << bits) - 1;
    }
  }
  const buf = Buffer.from(bytes);
  if (buf.length !== 34) throw new BackupKeyError(`the backup key has ${chars.length} characters, expected 55 (11 groups of 5): check it against the written copy`);
  const raw = buf.subarray(0, 32);
  if (!createHash('sha256').update(raw).digest().subarray(0, 2).equals(buf.subarray(32))) {
    throw new BackupKeyError('the backup key has a typo (its checksum does not match): check it against the written copy');
  }
  return Buffer.from(raw);
}

/** The box's key, or null when it has none yet. Refuses a key file others can read. */
export async function readBoxKey(dataDir: string): Promise<BackupKey | null> {
  const file = path.join(dataDir, KEY_FILE);
  if (!existsSync(file)) return null;
  const mode = (await stat(file)).mode & 0o777;
  if (mode & 0o077) throw new BackupKeyError(`${file} is readable by others (mode ${mode.toString(8)}): run chmod 600 ${file}`);
  return backupKey(parseKey(await readFile(file, 'utf8')));
}

/** Saves `raw` as the box's key (0600, folder 0700, owned by the data folder's owner). */
export async function saveBoxKey(dataDir: string, raw: Buffer): Promise<string> {
  const file = path.join(dataDir, KEY_FILE);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await chmod(path.dirname(file), 0o700);
  // 'wx': two first backups at once cannot both write a key.
  await writeFile(file, formatKey(raw) + '\n', { mode: 0o600, flag: 'wx' });
  await fsyncPath(file);
  if (process.getuid?.() === 0) {
    const owner = await stat(dataDir);
    for (const p of [path.dirname(file), file]) await chown(p, owner.uid, owner.gid);
  }
  return file;
}

/** The box's key, made now if it has none (`created` then says so). */
export async function loadOrCreateBoxKey(dataDir: string): Promise<{ key: BackupKey; created: boolean }> {
  const have = await readBoxKey(dataDir);
  if (have) return { key: have, created: false };
  try {
    await saveBoxKey(dataDir, randomBytes(32));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { key: (await readBoxKey(dataDir))!, created: false };
  }
  return { key: (await readBoxKey(dataDir))!, created: true };
}

/** The name of an image in the encrypted pool. */
export function poolName(key: BackupKey, sha256: string): string {
  return createHmac('sha256', key.nameKey).update(sha256).digest('hex');
}

/** Encrypts `src` into `dst` (temp file, fsync, rename), streaming. */
export async function encryptFile(src: string, dst: string, key: BackupKey): Promise<void> {
  const iv = randomBytes(12);
  const header = Buffer.concat([MAGIC, Buffer.from([VERSION, ALG_AES_256_GCM]), Buffer.from(key.id, 'hex'), iv]);
  const cipher = createCipheriv('aes-256-gcm', key.encKey, iv);
  cipher.setAAD(header);
  await writeThroughTemp(dst, (tmp) =>
    pipeline(
      createReadStream(src),
      async function* (source: AsyncIterable<Buffer>) {
        yield header;
        for await (const chunk of source) yield cipher.update(chunk);
        yield cipher.final();
        yield cipher.getAuthTag();
      },
      createWriteStream(tmp, { mode: 0o600 }),
    ),
  );
}

async function readHeader(file: string): Promise<{ header: Buffer; keyId: string; size: number }> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const header = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await fh.read(header, 0, HEADER_BYTES, 0);
    if (bytesRead < HEADER_BYTES || size < ENCRYPTION_OVERHEAD || !header.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new BackupKeyError(`${file} is not an encrypted leukodiff backup file (damaged or replaced)`);
    }
    if (header[MAGIC.length] !== VERSION || header[MAGIC.length + 1] !== ALG_AES_256_GCM) {
      throw new BackupKeyError(`${file} is encrypted in format ${header[MAGIC.length]}.${header[MAGIC.length + 1]}, which this leukodiff does not know: restore with a newer version`);
    }
    return { header, keyId: header.subarray(MAGIC.length + 2, MAGIC.length + 10).toString('hex'), size };
  } finally {
    await fh.close();
  }
}

/**
 * Decrypts `src` into `dst`, streaming; the tag is checked at the end, so `dst` exists only if
 * every byte (header included) is as written. Throws BackupKeyError on a wrong key or a changed file.
 */
export async function decryptFile(src: string, dst: string, key: BackupKey): Promise<void> {
  const { header, keyId, size } = await readHeader(src);
  if (keyId !== key.id) throw new BackupKeyError(`${src} was encrypted with backup key ${keyId}, not with key ${key.id}`);
  const fh = await open(src, 'r');
  const tag = Buffer.alloc(TAG_BYTES);
  try {
    await fh.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await fh.close();
  }
  const decipher = createDecipheriv('aes-256-gcm', key.encKey, header.subarray(MAGIC.length + 10));
  decipher.setAAD(header);
  decipher.setAuthTag(tag);
  const body: Readable = size > ENCRYPTION_OVERHEAD ? createReadStream(src, { start: HEADER_BYTES, end: size - TAG_BYTES - 1 }) : Readable.from([]);
  await writeThroughTemp(dst, (tmp) =>
    pipeline(
      body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) yield decipher.update(chunk);
        try {
          yield decipher.final();
        } catch {
          throw new BackupKeyError(`${src} has been altered or damaged (authentication failed): refusing it; try an older backup`);
        }
      },
      createWriteStream(tmp, { mode: 0o600 }),
    ),
  );
}
