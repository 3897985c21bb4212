/** Packs a release (the app, node_modules for the target architecture, the models) into a signed bundle. */
import { createHash, type KeyObject } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { lstat, open, readdir, readFile, readlink, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { BundleError, isContainedLinkTarget, MAGIC, RELEASE_BUNDLE, validateManifest, type Arch, type BundleFile, type BundleManifest, type BundleSymlink } from './format.ts';
import { keyId, signManifest } from './keys.ts';

/** What a release needs at run time, relative to the source tree (missing ones are skipped). */
export const DEFAULT_INCLUDE = ['package.json', 'package-lock.json', '.npmrc', 'bin', 'src', 'native', 'models', 'ui/dist', 'scripts', 'systemd', 'docs', 'README.md'];
/**
 * Never packed: build outputs made on the box, caches, VCS data. node-gyp leaves build/node_gyp_bins
 * in every addon it compiled: a link to the build machine's python3, needed only while compiling.
 */
const EXCLUDE = [
  /(^|\/)\.git(\/|$)/,
  /^native\/build(\/|$)/,
  /^models\/engines(\/|$)/,
  /^node_modules\/\.cache(\/|$)/,
  /^node_modules\/\.vite(\/|$)/,
  /^node_modules\/.*\/build\/node_gyp_bins(\/|$)/,
  /(^|\/)__pycache__(\/|$)/,
];

const ELF_MACHINE: Record<number, Arch> = { 62: 'x64', 183: 'arm64' };

export interface MakeBundleOptions {
  sourceDir: string;
  arch: Arch;
  privateKey: KeyObject;
  out: string;
  /** node_modules built for `arch` (default: <sourceDir>/node_modules). */
  nodeModulesDir?: string;
  include?: string[];
  now?: Date;
  /** Told about things worth a look that do not stop the bundle (dev dependencies packed). */
  warn?: (line: string) => void;
}

type Entry = PackEntry;

/** onnxruntime-node ships its library for every OS and CPU; a box needs only its own (~250 MB less). */
function otherPlatforms(arch: Arch): RegExp {
  return new RegExp(`^node_modules/onnxruntime-node/bin/napi-v\\d+/(darwin|win32|linux/(?!${arch}(/|$)))`);
}

async function walk(abs: string, rel: string, files: Entry[], links: BundleSymlink[], exclude: RegExp[] = EXCLUDE): Promise<void> {
  if (exclude.some((re) => re.test(rel))) return;
  const st = await lstat(abs);
  if (st.isSymbolicLink()) {
    const target = await readlink(abs);
    if (!isContainedLinkTarget(rel, target)) throw new BundleError(`${rel} is a symlink to ${target}, outside the release: replace it by a copy`);
    links.push({ path: rel, target });
  } else if (st.isDirectory()) {
    for (const name of (await readdir(abs)).sort()) await walk(path.join(abs, name), `${rel}/${name}`, files, links, exclude);
  } else if (st.isFile()) {
    files.push({ rel, abs });
  } else {
    throw new BundleError(`${rel} is neither a file, a folder nor a symlink`);
  }
}

/** Compiled addons (build/Release/*.node) must be ELF files for the target architecture. */
async function checkNativeArch(files: Entry[], arch: Arch): Promise<void> {
  for (const f of files) {
    if (!/^node_modules\/.*\/build\/Release\/[^/]+\.node$/.test(f.rel)) continue;
    const fh = await open(f.abs, 'r');
    const head = Buffer.alloc(20);
    try {
      await fh.read(head, 0, 20, 0);
    } finally {
      await fh.close();
    }
    const built = head.readUInt32BE(0) === 0x7f454c46 ? ELF_MACHINE[head.readUInt16LE(18)] : undefined;
    if (built !== arch) {
      throw new BundleError(`${f.rel} is built for ${built ?? 'an unknown machine'}, not ${arch}: give --node-modules a node_modules installed on (or for) ${arch}`);
    }
  }
  const names = new Set(files.map((f) => f.rel.split('/').slice(0, 3).join('/')));
  if ([...names].some((n) => n.startsWith('node_modules/sharp/')) && ![...names].some((n) => n.startsWith(`node_modules/@img/sharp-linux-${arch}`))) {
    throw new BundleError(`node_modules has sharp but not @img/sharp-linux-${arch}: install with --cpu=${arch} --os=linux`);
  }
}

function modeOf(st: { mode: number }): number {
  return st.mode & 0o111 ? 0o755 : 0o644;
}

export async function makeBundle(opts: MakeBundleOptions): Promise<BundleManifest> {
  const pkg = JSON.parse(await readFile(path.join(opts.sourceDir, 'package.json'), 'utf8')) as { version?: string };
  if (typeof pkg.version !== 'string') throw new BundleError(`${opts.sourceDir}/package.json has no version`);
  const files: Entry[] = [];
  const symlinks: BundleSymlink[] = [];
  for (const item of opts.include ?? DEFAULT_INCLUDE) {
    const abs = path.join(opts.sourceDir, item);
    if (!existsSync(abs)) {
      if (opts.include) throw new BundleError(`${item}: not found in ${opts.sourceDir}`);
      continue;
    }
    await walk(abs, item, files, symlinks);
  }
  const nodeModules = opts.nodeModulesDir ?? path.join(opts.sourceDir, 'node_modules');
  if (!existsSync(nodeModules)) throw new BundleError(`${nodeModules}: no node_modules (run npm ci first, or give --node-modules)`);
  await walk(nodeModules, 'node_modules', files, symlinks, [...EXCLUDE, otherPlatforms(opts.arch)]);
  await checkNativeArch(files, opts.arch);
  const devDeps = Object.keys((pkg as { devDependencies?: Record<string, string> }).devDependencies ?? {});
  const packedDev = devDeps.filter((d) => existsSync(path.join(nodeModules, d, 'package.json')));
  if (packedDev.length) opts.warn?.(`node_modules holds dev dependencies (${packedDev.slice(0, 4).join(', ')}${packedDev.length > 4 ? ', ...' : ''}): a smaller bundle comes from npm ci --omit=dev`);

  return writeBundle({ format: RELEASE_BUNDLE, version: pkg.version, arch: opts.arch, createdAt: (opts.now ?? new Date()).toISOString() }, files, symlinks, opts.privateKey, opts.out);
}

/** A file to pack: its path in the bundle and where it is read from. */
export interface PackEntry {
  rel: string;
  abs: string;
}

/**
 * Writes the signed bundle of `files` (in this order) and `symlinks` to `out`: the payload first
 * (hashing every file as it is read), then the manifest that describes it, signed; renamed into
 * place when complete. Shared by release and model bundles.
 */
export async function writeBundle(
  head: Pick<BundleManifest, 'format' | 'version' | 'arch' | 'createdAt'>,
  files: PackEntry[],
  symlinks: BundleSymlink[],
  privateKey: KeyObject,
  out: string,
): Promise<BundleManifest> {
  const entries: BundleFile[] = [];
  for (const f of files) entries.push({ path: f.rel, size: (await lstat(f.abs)).size, mode: modeOf(await lstat(f.abs)), sha256: '' });

  const payloadTmp = `${out}.payload-${process.pid}`;
  const partial = `${out}.partial-${process.pid}`;
  try {
    const payloadHash = createHash('sha256');
    let payloadBytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        payloadHash.update(chunk);
        payloadBytes += chunk.length;
        done(null, chunk);
      },
    });
    async function* contents() {
      for (let i = 0; i < files.length; i++) {
        const h = createHash('sha256');
        let n = 0;
        for await (const chunk of createReadStream(files[i].abs)) {
          h.update(chunk as Buffer);
          n += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
        if (n !== entries[i].size) throw new BundleError(`${files[i].rel} changed while being packed`);
        entries[i].sha256 = h.digest('hex');
      }
    }
    await pipeline(contents, createGzip({ level: 6 }), counter, createWriteStream(payloadTmp));

    const manifest: BundleManifest = validateManifest({
      format: head.format,
      formatVersion: 1,
      version: head.version,
      arch: head.arch,
      createdAt: head.createdAt,
      keyId: keyId(privateKey),
      files: entries,
      symlinks,
      payload: { compression: 'gzip', bytes: payloadBytes, sha256: payloadHash.digest('hex') },
    });
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    const signature = signManifest(manifestBytes, privateKey);
    const u32 = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n);
      return b;
    };
    const header = Buffer.concat([MAGIC, u32(manifestBytes.length), manifestBytes, u32(signature.length), signature]);
    async function* whole() {
      yield header;
      yield* createReadStream(payloadTmp);
    }
    await pipeline(whole, createWriteStream(partial));
    await rename(partial, out);
    return manifest;
  } finally {
    await rm(payloadTmp, { force: true });
    await rm(partial, { force: true });
  }
}
