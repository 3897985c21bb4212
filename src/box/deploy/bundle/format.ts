/**
 * The offline update bundle, one file:
 *   "LEUKODIFF-BUNDLE 1\n"
 *   u32 BE length + manifest (JSON, UTF-8)
 *   u32 BE length + Ed25519 signature of "leukodiff-bundle-v1\0" + manifest bytes
 *   payload: gzip of every file's bytes, concatenated in manifest order
 * The signed manifest is the archive's whole index (paths, sizes, modes, hashes, the payload's
 * size and hash), so nothing unsigned steers the unpacking.
 */
import path from 'node:path';

export const MAGIC = Buffer.from('LEUKODIFF-BUNDLE 1\n');
export const SIGNATURE_DOMAIN = Buffer.from('leukodiff-bundle-v1\0');
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
export const ARCHES = ['arm64', 'x64'] as const;
export type Arch = (typeof ARCHES)[number];
/**
 * What a bundle holds, named in its signed manifest: a release (the app, node_modules, models) or a
 * model set alone (src/box/deploy/model-bundle/). A distinct format name, not an optional field, so
 * that a box too old to know model bundles refuses one ("unknown format") instead of installing it
 * as a release.
 */
export const RELEASE_BUNDLE = 'leukodiff-bundle';
export const MODEL_BUNDLE = 'leukodiff-model-bundle';
export type BundleFormat = typeof RELEASE_BUNDLE | typeof MODEL_BUNDLE;
/** A model set runs on any architecture (ONNX files and JSON). */
export const NOARCH = 'noarch';

export interface BundleFile {
  path: string;
  size: number;
  /** 0o644 or 0o755. */
  mode: number;
  sha256: string;
}

export interface BundleSymlink {
  path: string;
  target: string;
}

export interface BundleManifest {
  format: BundleFormat;
  formatVersion: 1;
  version: string;
  /** 'noarch' for a model bundle. */
  arch: Arch | typeof NOARCH;
  createdAt: string;
  /** Id of the signing key (see keyId). */
  keyId: string;
  files: BundleFile[];
  symlinks: BundleSymlink[];
  payload: { compression: 'gzip'; bytes: number; sha256: string };
}

export class BundleError extends Error {}

const VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** A relative POSIX path with no '.', '..' or empty segment: it cannot leave the release folder. */
export function isSafeRelativePath(p: string): boolean {
  if (typeof p !== 'string' || p.length === 0 || p.length > 4096 || p.includes('\0') || p.includes('\\')) return false;
  if (p.startsWith('/')) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** A symlink target that stays inside the release folder once resolved from the link's folder. */
export function isContainedLinkTarget(linkPath: string, target: string): boolean {
  if (typeof target !== 'string' || target === '' || target.includes('\0') || target.startsWith('/')) return false;
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(linkPath), target));
  return resolved !== '..' && !resolved.startsWith('../') && !path.posix.isAbsolute(resolved);
}

/** Checks every field of a parsed manifest; throws BundleError naming the first problem. */
export function validateManifest(m: unknown): BundleManifest {
  const fail = (what: string): never => {
    throw new BundleError(`bundle manifest: ${what}`);
  };
  if (typeof m !== 'object' || m === null) fail('not a JSON object');
  const o = m as Record<string, unknown>;
  if ((o.format !== RELEASE_BUNDLE && o.format !== MODEL_BUNDLE) || o.formatVersion !== 1) fail(`unknown format ${JSON.stringify(o.format)} ${JSON.stringify(o.formatVersion)}`);
  if (typeof o.version !== 'string' || !VERSION.test(o.version)) fail(`bad version ${JSON.stringify(o.version)}`);
  if (o.format === RELEASE_BUNDLE ? !ARCHES.includes(o.arch as Arch) : o.arch !== NOARCH) fail(`bad arch ${JSON.stringify(o.arch)}`);
  if (typeof o.keyId !== 'string' || typeof o.createdAt !== 'string') fail('missing keyId or createdAt');
  if (!Array.isArray(o.files) || !Array.isArray(o.symlinks)) fail('files and symlinks must be lists');
  const seen = new Set<string>();
  let total = 0;
  for (const f of o.files as BundleFile[]) {
    if (!isSafeRelativePath(f?.path)) fail(`unsafe file path ${JSON.stringify(f?.path)}`);
    if (seen.has(f.path)) fail(`duplicate path ${f.path}`);
    seen.add(f.path);
    if (!Number.isSafeInteger(f.size) || f.size < 0) fail(`bad size for ${f.path}`);
    if (f.mode !== 0o644 && f.mode !== 0o755) fail(`bad mode for ${f.path}`);
    if (typeof f.sha256 !== 'string' || !HEX64.test(f.sha256)) fail(`bad sha256 for ${f.path}`);
    total += f.size;
  }
  for (const l of o.symlinks as BundleSymlink[]) {
    if (!isSafeRelativePath(l?.path)) fail(`unsafe symlink path ${JSON.stringify(l?.path)}`);
    if (seen.has(l.path)) fail(`duplicate path ${l.path}`);
    seen.add(l.path);
    if (!isContainedLinkTarget(l.path, l.target)) fail(`symlink ${l.path} points outside the release: ${JSON.stringify(l.target)}`);
  }
  // A file may not sit under a path that is itself a file or a symlink.
  for (const p of seen) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) if (seen.has(parts.slice(0, i).join('/'))) fail(`${p} lies under the file ${parts.slice(0, i).join('/')}`);
  }
  const payload = o.payload as BundleManifest['payload'];
  if (payload?.compression !== 'gzip' || !Number.isSafeInteger(payload.bytes) || payload.bytes < 0 || !HEX64.test(payload.sha256 ?? '')) fail('bad payload description');
  if (!Number.isSafeInteger(total)) fail('files too large');
  return o as unknown as BundleManifest;
}

export function hostArch(): Arch | null {
  return process.arch === 'arm64' || process.arch === 'x64' ? process.arch : null;
}
