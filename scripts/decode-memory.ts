/**
 * Memory under an image-bomb burst (issue 21): starts the daemon (bundled models, a fresh data
 * folder), sends N concurrent uploads of small PNGs that declare 7000x7000 pixels (147 MB each
 * once decoded), waits for their analysis, and prints the daemon's resident memory: at rest, its
 * peak (VmHWM), and what it keeps afterwards. Not part of npm test.
 *
 *   npm run decode-memory -- [--uploads 8] [--side 7000] [--unbounded]
 *
 * --unbounded lifts the decode limits (decodeConcurrency 64, a huge pixel budget) to show what
 * they save.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Daemon } from './lib/daemon.ts';
import { tinyBigPng } from './decode-memory-png.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const uploads = option('uploads', 8);
const side = option('side', 7000);
const unbounded = args.includes('--unbounded');
const PIN = '918273645012';

const dataDir = mkdtempSync(path.join(tmpdir(), 'leukodiff-decode-memory-'));
const env: Record<string, string> = { LEUKODIFF_BACKEND: 'onnxruntime', LEUKODIFF_QUEUE_CAPACITY: String(Math.max(16, uploads + 1)) };
if (unbounded) Object.assign(env, { LEUKODIFF_DECODE_CONCURRENCY: '64', LEUKODIFF_DECODE_PIXEL_BUDGET: '2000000000' });
const daemon = await Daemon.start(dataDir, env);

/** Headers that act as a signed-in supervisor, whichever way this version of the API signs in. */
async function signedIn(): Promise<Record<string, string>> {
  const json = { 'content-type': 'application/json' };
  const setup = await fetch(`${daemon.url}/api/setup`);
  if (setup.ok) {
    const made = await fetch(`${daemon.url}/api/setup`, { method: 'POST', headers: json, body: JSON.stringify({ language: 'en', supervisor: { name: 'Bench', pin: PIN } }) });
    if (made.status !== 201) throw new Error(`setup: ${made.status} ${await made.text()}`);
    const userId = ((await made.json()) as { supervisor: { id: string } }).supervisor.id;
    const session = await fetch(`${daemon.url}/api/session`, { method: 'POST', headers: json, body: JSON.stringify({ userId, pin: PIN }) });
    if (session.status !== 201) throw new Error(`sign in: ${session.status} ${await session.text()}`);
    const cookie = session.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    return { cookie };
  }
  return {};
}

async function json(res: Response): Promise<Record<string, unknown>> {
  if (!res.ok) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

let peakSeen = 0;
const sampler = setInterval(() => (peakSeen = Math.max(peakSeen, daemon.rss()[0])), 50);
try {
  const auth = await signedIn();
  const [atRest] = daemon.rss();
  const samples: string[] = [];
  for (let i = 0; i < uploads; i++) {
    const s = await json(await fetch(`${daemon.url}/api/samples`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ reference: `BOMB-${i}` }) }));
    samples.push(s.id as string);
  }
  const pngs = samples.map((_, i) => tinyBigPng(side, side, i));
  console.log(
    `decode memory: ${uploads} concurrent uploads of ${side}x${side} PNGs (${(pngs[0].length / 1024).toFixed(1)} kB each, ${((side * side * 3) / 2 ** 20).toFixed(0)} MB each decoded)${unbounded ? ', decode limits lifted' : ''}`,
  );
  const t0 = performance.now();
  const answers = await Promise.all(
    samples.map((id, i) => {
      const form = new FormData();
      form.append('image', new Blob([new Uint8Array(pngs[i])], { type: 'image/png' }), 'bomb.png');
      return fetch(`${daemon.url}/api/samples/${id}/fields`, { method: 'POST', headers: auth, body: form }).then(async (r) => `${r.status}${r.ok ? '' : ` ${(await r.text()).slice(0, 120)}`}`);
    }),
  );
  const uploadMs = performance.now() - t0;
  const afterUploads = daemon.rss()[1];
  // Then the analysis of each field (the worker decodes it again).
  for (const id of samples) {
    for (;;) {
      const s = await json(await fetch(`${daemon.url}/api/samples/${id}`, { headers: auth }));
      if (s.pendingFields === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const analysedMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 1000));
  const [kept, peak] = daemon.rss();
  console.log(`  answers                   ${answers.join(', ')}`);
  console.log(`  RSS at rest               ${atRest.toFixed(0)} MB`);
  console.log(`  peak RSS during uploads   ${afterUploads.toFixed(0)} MB   (all answered in ${(uploadMs / 1000).toFixed(1)} s)`);
  console.log(`  peak RSS overall          ${Math.max(peak, peakSeen).toFixed(0)} MB   (analysed in ${(analysedMs / 1000).toFixed(1)} s; target < 600 MB)`);
  console.log(`  RSS kept afterwards       ${kept.toFixed(0)} MB`);
} finally {
  clearInterval(sampler);
  await daemon.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
