/**
 * Opening a bundle: the signature is checked against the box's network key, then the manifest,
 * the file's length and the payload's hash, all before a single byte is unpacked.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { BundleError, MAGIC, MAX_MANIFEST_BYTES, MODEL_BUNDLE, RELEASE_BUNDLE, validateManifest, type Arch, type BundleFormat, type BundleManifest } from './format.ts';
import { keyId, verifyManifest } from './keys.ts';

export interface OpenedBundle {
  file: string;
  manifest: BundleManifest;
  /** sha256 of the signed manifest bytes: identifies this exact bundle. */
  manifestSha256: string;
  payloadOffset: number;
}

export interface VerifyOptions {
  /** Refuse a bundle for another architecture (null: accept any). */
  arch?: Arch | null;
  /** What the bundle must hold (default: a release); 'any' for verify-bundle. */
  format?: BundleFormat | 'any';
}

const APPLIED_BY: Record<BundleFormat, string> = { [RELEASE_BUNDLE]: 'an update bundle (leukodiff apply-bundle)', [MODEL_BUNDLE]: 'a model bundle (leukodiff apply-model-bundle)' };

export async function verifyBundle(file: string, publicKey: KeyObject, opts: VerifyOptions = {}): Promise<OpenedBundle> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch (err) {
    throw new BundleError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const fh = await open(file, 'r');
  let manifestBytes: Buffer;
  let signature: Buffer;
  try {
    const read = async (pos: number, len: number, what: string): Promise<Buffer> => {
      if (pos + len > size) throw new BundleError(`the bundle is truncated (it ends inside its ${what}): copy it again`);
      const b = Buffer.alloc(len);
      await fh.read(b, 0, len, pos);
      return b;
    };
    if (size < MAGIC.length || !(await read(0, MAGIC.length, 'header')).equals(MAGIC)) {
      throw new BundleError(`${file} is not a leukodiff update bundle`);
    }
    let pos = MAGIC.length;
    const manifestLen = (await read(pos, 4, 'header')).readUInt32BE(0);
    if (manifestLen === 0 || manifestLen > MAX_MANIFEST_BYTES) throw new BundleError('the bundle header is damaged (manifest length)');
    manifestBytes = await read(pos + 4, manifestLen, 'manifest');
    pos += 4 + manifestLen;
    const sigLen = (await read(pos, 4, 'signature')).readUInt32BE(0);
    if (sigLen === 0) throw new BundleError('the bundle is not signed: refused (only bundles signed with the network key are installed)');
    if (sigLen > 1024) throw new BundleError('the bundle header is damaged (signature length)');
    signature = await read(pos + 4, sigLen, 'signature');
    pos += 4 + sigLen;

    if (!verifyManifest(manifestBytes, signature, publicKey)) {
      let claimed = '';
      try {
        claimed = String((JSON.parse(manifestBytes.toString('utf8')) as { keyId?: string }).keyId ?? '');
      } catch {
        // An unreadable manifest is reported as a bad signature all the same.
      }
      const why = claimed && claimed !== keyId(publicKey) ? `it says it was signed with key ${claimed}` : 'it was altered after signing';
      throw new BundleError(`the bundle's signature does not verify with this box's network key ${keyId(publicKey)} (${why}): refused`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(manifestBytes.toString('utf8'));
    } catch {
      throw new BundleError('the signed manifest is not JSON');
    }
    const manifest = validateManifest(parsed);
    const format = opts.format ?? RELEASE_BUNDLE;
    if (format !== 'any' && manifest.format !== format) throw new BundleError(`this is ${APPLIED_BY[manifest.format]}, not ${APPLIED_BY[format].replace(/ \(.*/, '')}: refused`);
    if (opts.arch && manifest.format === RELEASE_BUNDLE && manifest.arch !== opts.arch) throw new BundleError(`the bundle is for ${manifest.arch}; this box is ${opts.arch}`);
    const expected = pos + manifest.payload.bytes;
    if (size < expected) throw new BundleError(`the bundle is truncated (${size} of ${expected} bytes): copy it again`);
    if (size > expected) throw new BundleError(`the bundle has ${size - expected} unexpected bytes after its payload: refused`);
    const h = createHash('sha256');
    if (manifest.payload.bytes > 0) for await (const chunk of createReadStream(file, { start: pos, end: expected - 1 })) h.update(chunk as Buffer);
    if (h.digest('hex') !== manifest.payload.sha256) throw new BundleError('the bundle payload does not match its signed manifest (damaged or altered): refused');
    return { file, manifest, manifestSha256: createHash('sha256').update(manifestBytes).digest('hex'), payloadOffset: pos };
  } finally {
    await fh.close();
  }
}

/**
 * The format a bundle's manifest claims, read without verifying anything: only to choose which
 * command applies it (that command then verifies it fully). null: not a readable bundle.
 */
export async function claimedFormat(file: string): Promise<BundleFormat | null> {
  try {
    const fh = await open(file, 'r');
    try {
      const head = Buffer.alloc(MAGIC.length + 4);
      await fh.read(head, 0, head.length, 0);
      if (!head.subarray(0, MAGIC.length).equals(MAGIC)) return null;
      const len = head.readUInt32BE(MAGIC.length);
      if (len === 0 || len > MAX_MANIFEST_BYTES) return null;
      const manifest = Buffer.alloc(len);
      await fh.read(manifest, 0, len, head.length);
      const format = (JSON.parse(manifest.toString('utf8')) as { format?: unknown }).format;
      return format === RELEASE_BUNDLE || format === MODEL_BUNDLE ? format : null;
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
}
