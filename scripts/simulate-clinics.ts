/**
 * Two simulated clinics prove the learning loop end to end, with the real hub, boxes and commands:
 * clinic A's and clinic B's photos differ in scale, stain and light from the public sets (measured
 * transforms of PBC photos, scripts/sim/clinic-look.ts). Their nurses correct every cell from the
 * labels and sign; the boxes sync to the hub; the clinics opt in and the hub exports the verified
 * cells; the classifier is fine-tuned on them (a short configuration, minutes on the CPU), measured
 * and put to the promotion rule; the new model set goes out as a signed model bundle, applied on
 * clinic B's box with its regression check and health deadline; then clinic B's held-out photos are
 * analysed again. Writes OUT/report.md (the table, every step's command and time) and report.json.
 *
 *   npm run simulate-clinics -- --pbc <PBC_dataset_normal_DIB> --data work/cellcls/data --out work/sim
 *
 * Needs the crop cache of scripts/train/cellcls/prepare.py (its PBC splits choose the photos; its
 * public splits are the public tests) and Debian's python3-torch and python3-onnx.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { applyModelBundle } from '../src/box/deploy/model-bundle/apply.ts';
import { generateSigningKeys, loadPublicKey } from '../src/box/deploy/bundle/keys.ts';
import { CELL_TYPES, isCountedClass } from '../src/contracts/vocabulary.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { freePort } from './lib/daemon.ts';
import { startBox, startHub, type Proc } from './lib/processes.ts';
import { BoxClient, type SampleJson } from './sim/box-client.ts';
import { applyLook, CLINIC_LOOKS, measureLook, type ClinicLook } from './sim/clinic-look.ts';
import { nurseActions, scoreField, type Outcome } from './sim/nurse.ts';
import { clinicPools, readPbcMeta, type PoolPhoto } from './sim/pools.ts';

const USAGE = `usage: npm run simulate-clinics -- --pbc DIR --data DIR --out DIR [options]
  --pbc DIR             PBC_dataset_normal_DIB: the photos the clinics are made from
  --data DIR            the classifier's crop cache (scripts/train/cellcls/prepare.py)
  --out DIR             a new folder for everything the simulation makes
  --train-a N           photos clinic A's nurses correct and sign (default 300)
  --train-b N           photos clinic B's nurses correct and sign (default 600)
  --heldout-a N         clinic A's held-out photos, from PBC's test split (default 200)
  --heldout-b N         clinic B's held-out photos (default 400)
  --fields-per-sample N photos per sample (default 10)
  --epochs N            fine-tune epochs (default 4)
  --epoch-size N        crops per fine-tune epoch (default 3000)
  --seed N              which photos (default 1)
  --loco                also fine-tune without each clinic in turn and measure it on that clinic's whole export
  --ship-refused        bundle and apply the candidate on clinic B's box even when the promotion rule refuses it,
                        to measure what it would have done there (a study only: a network never ships it)`;

const PY = '/usr/bin/python3';
const CELLCLS = path.join(PROJECT_ROOT, 'scripts', 'train', 'cellcls');
const PUBLIC_TESTS = ['pbc:test', 'bccd:test', 'chula:val'];

interface Step {
  step: string;
  command: string;
  seconds: number;
}

class Run {
  readonly steps: Step[] = [];
  constructor(readonly out: string) {}

  async step<T>(name: string, command: string, fn: () => Promise<T> | T): Promise<T> {
    const t0 = Date.now();
    process.stdout.write(`\n== ${name}\n   ${command}\n`);
    const value = await fn();
    const seconds = Math.round((Date.now() - t0) / 100) / 10;
    this.steps.push({ step: name, command, seconds });
    process.stdout.write(`   (${seconds} s)\n`);
    return value;
  }

  /**
   * Runs a command from the project root with its output shown; throws on a non-zero exit unless allowed.
   * The caller's hub or box settings (DATABASE_URL, LEUKODIFF_*) are left out: the hub commands must
   * reach the hub this simulation started, not one the shell points at.
   */
  exec(cmd: string, args: string[], env: Record<string, string> = {}, allow: number[] = [0]): { code: number; stdout: string } {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL' && !k.startsWith('LEUKODIFF_')));
    const res = spawnSync(cmd, args, { cwd: PROJECT_ROOT, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    process.stdout.write(res.stdout ?? '');
    const code = res.status ?? 1;
    if (!allow.includes(code)) throw new Error(`${cmd} ${args.join(' ')} exited ${code}`);
    return { code, stdout: res.stdout ?? '' };
  }
}

interface ClinicSpec {
  id: 'a' | 'b';
  clinicId: string;
  look: ClinicLook;
  photos: { train: PoolPhoto[]; heldout: PoolPhoto[] };
}

interface Tally {
  photos: number;
  right: number;
  wrong: number;
  unidentified: number;
  missed: number;
  falseCells: number;
  perType: Record<string, { n: number; right: number }>;
  umPerPixel: number | null;
  modelSets: string[];
}

function emptyTally(): Tally {
  return { photos: 0, right: 0, wrong: 0, unidentified: 0, missed: 0, falseCells: 0, perType: Object.fromEntries(CELL_TYPES.map((t) => [t, { n: 0, right: 0 }])), umPerPixel: null, modelSets: [] };
}

const meanRecall5 = (m: { recall: Record<string, number | null> }) => {
  const r = CELL_TYPES.map((t) => m.recall[t]).filter((v): v is number => v !== null && v !== undefined);
  return r.reduce((a, v) => a + v, 0) / Math.max(1, r.length);
};
const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)} %` : '-');
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : null);

/** The clinic's photos, transformed by its look, as files the boxes are sent. */
async function makeFields(pbc: string, dir: string, c: ClinicSpec): Promise<{ scale: number; odBefore: number[]; odAfter: number[] }> {
  const measured: { scale: number; odBefore: number[]; odAfter: number[] }[] = [];
  for (const group of ['train', 'heldout'] as const) {
    mkdirSync(path.join(dir, c.id, group), { recursive: true });
    for (const [i, p] of c.photos[group].entries()) {
      const src = readFileSync(path.join(pbc, p.ref));
      const { jpeg } = await applyLook(src, c.look);
      writeFileSync(photoFile(path.join(dir, c.id, group), i), jpeg);
      if (measured.length < 50) measured.push(await measureLook(src, jpeg));
    }
  }
  const mean = (k: 'odBefore' | 'odAfter') => [0, 1, 2].map((ch) => Number((measured.reduce((s, m) => s + m[k][ch]!, 0) / measured.length).toFixed(3)));
  return { scale: Number((measured.reduce((s, m) => s + m.scale, 0) / measured.length).toFixed(3)), odBefore: mean('odBefore'), odAfter: mean('odAfter') };
}

/** Photos per sample, and the seed the samples' ids follow from. */
interface Batch {
  per: number;
  seed: number;
}

/** A clinic's i-th photo of a group, as makeFields writes it. */
const photoFile = (dir: string, i: number) => path.join(dir, `${String(i).padStart(4, '0')}.jpg`);

/** Photos in samples of `per`: uploaded, analysed, then `each` for every sample with its photos' labels. */
async function runSamples(box: BoxClient, dir: string, photos: PoolPhoto[], { per, seed }: Batch, prefix: string, each: (s: SampleJson, labels: PoolPhoto[]) => Promise<void>): Promise<void> {
  for (let start = 0; start < photos.length; start += per) {
    const labels = photos.slice(start, start + per);
    const id = await box.createSample(`${prefix}-${String(start / per + 1).padStart(3, '0')}`, seed);
    for (let k = 0; k < labels.length; k++) await box.upload(id, readFileSync(photoFile(dir, start + k)));
    const s = await box.analysed(id);
    s.fields.sort((a, b) => a.seq - b.seq);
    if (s.fields.length !== labels.length) throw new Error(`sample ${id}: ${s.fields.length} fields for ${labels.length} photos`);
    await each(s, labels);
    process.stdout.write(`   ${prefix}: ${Math.min(start + per, photos.length)} of ${photos.length} photos\r`);
  }
  process.stdout.write('\n');
}

/** The box's analysis of held-out photos, scored against their labels (nothing is corrected or signed). */
async function measureHeldOut(box: BoxClient, dir: string, photos: PoolPhoto[], batch: Batch, prefix: string): Promise<{ tally: Tally; samples: string[] }> {
  const tally = emptyTally();
  const scales: number[] = [];
  const sets = new Set<string>();
  const samples: string[] = [];
  await runSamples(box, dir, photos, batch, prefix, async (s, labels) => {
    samples.push(s.id);
    for (const [k, f] of s.fields.entries()) {
      const label = labels[k]!.label;
      const r = scoreField(f.cells, f.image.width, f.image.height, label);
      tally.photos++;
      tally[r.outcome satisfies Outcome]++;
      tally.falseCells += r.falseCells;
      tally.perType[label]!.n++;
      if (r.outcome === 'right') tally.perType[label]!.right++;
      const um = f.analysis?.scale?.umPerPixel;
      if (um) scales.push(um);
      if (f.analysis?.modelSet) sets.add(f.analysis.modelSet);
    }
  });
  tally.umPerPixel = median(scales);
  tally.modelSets = [...sets];
  return { tally, samples };
}

/** The nurses' work on the training photos: every cell corrected from the labels, the sample signed. */
async function correctAndSign(box: BoxClient, dir: string, photos: PoolPhoto[], batch: Batch, prefix: string): Promise<{ retyped: number; added: number; notLeukocyte: number; samples: number }> {
  const n = { retyped: 0, added: 0, notLeukocyte: 0, samples: 0 };
  await runSamples(box, dir, photos, batch, prefix, async (s, labels) => {
    for (const [k, f] of s.fields.entries()) {
      for (const a of nurseActions(f.cells, f.image.width, f.image.height, labels[k]!.label, f.analysis?.scale?.umPerPixel ?? null)) {
        await box.act(f.id, a);
        if (a.op === 'add') n.added++;
        else if (a.type === 'not_leukocyte') n.notLeukocyte++;
        else n.retyped++;
      }
    }
    await box.sign(s.id);
    n.samples++;
  });
  return n;
}

function sha256List(dir: string, out: string): void {
  const lines: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) lines.push(`${createHash('sha256').update(readFileSync(p)).digest('hex')}  ${p}`);
    }
  };
  walk(dir);
  writeFileSync(out, lines.join('\n') + '\n');
}

/** A crop cache for evaluate.py: the public parts (linked) plus the exports' part. */
function evalCache(publicDir: string, hubPart: string, out: string): void {
  mkdirSync(out, { recursive: true });
  for (const dir of [publicDir, hubPart]) {
    for (const name of readdirSync(dir)) if (/^(crops|meta)-.+\.(npy|json)$/.test(name)) symlinkSync(path.resolve(dir, name), path.join(out, name));
  }
}

function tallyRow(name: string, t: Tally): string {
  const types = CELL_TYPES.map((ty) => `${t.perType[ty]!.right}/${t.perType[ty]!.n}`).join(' · ');
  return `| ${name} | ${t.photos} | **${pct(t.right, t.photos)}** | ${pct(t.unidentified, t.photos)} | ${pct(t.missed, t.photos)} | ${types} | ${(t.falseCells / Math.max(1, t.photos)).toFixed(2)} | ${t.umPerPixel?.toFixed(3) ?? '-'} | ${t.modelSets.join(', ')} |`;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      pbc: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
      'train-a': { type: 'string' },
      'train-b': { type: 'string' },
      'heldout-a': { type: 'string' },
      'heldout-b': { type: 'string' },
      'fields-per-sample': { type: 'string' },
      epochs: { type: 'string' },
      'epoch-size': { type: 'string' },
      loco: { type: 'boolean' },
      'ship-refused': { type: 'boolean' },
      seed: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (!values.pbc || !values.data || !values.out) throw new UsageError(`--pbc, --data and --out are required\n${USAGE}`);
  const int = (v: string | undefined, name: string, d: number) => {
    const n = v === undefined ? d : Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name}: a positive whole number`);
    return n;
  };
  const per = int(values['fields-per-sample'], 'fields-per-sample', 10);
  const epochs = int(values.epochs, 'epochs', 4);
  const epochSize = int(values['epoch-size'], 'epoch-size', 3000);
  const seed = int(values.seed, 'seed', 1);
  const batch: Batch = { per, seed };
  const out = path.resolve(values.out);
  if (existsSync(out) && readdirSync(out).length) throw new UsageError(`${out} is not empty: give a new folder`);
  const pbc = path.resolve(values.pbc);
  const data = path.resolve(values.data);
  if (!existsSync(path.join(pbc, 'neutrophil'))) throw new UsageError(`--pbc ${pbc}: no PBC_dataset_normal_DIB there (it holds one folder per class, neutrophil among them)`);
  const pools = clinicPools(
    readPbcMeta(data),
    [
      { train: int(values['train-a'], 'train-a', 300), heldout: int(values['heldout-a'], 'heldout-a', 200) },
      { train: int(values['train-b'], 'train-b', 600), heldout: int(values['heldout-b'], 'heldout-b', 400) },
    ],
    seed,
  );
  mkdirSync(out, { recursive: true });
  const run = new Run(out);
  const clinics: ClinicSpec[] = (['a', 'b'] as const).map((id, i) => ({ id, clinicId: `sim-${id}`, look: CLINIC_LOOKS[id], photos: pools[i]! }));
  const fieldsDir = path.join(out, 'fields');
  const looks = await run.step("1. Make the clinics' photos", `scripts/sim/clinic-look.ts: CLINIC_LOOKS a and b on PBC photos (seed ${seed})`, async () => {
    const m: Record<string, Awaited<ReturnType<typeof makeFields>>> = {};
    for (const c of clinics) m[c.id] = await makeFields(pbc, fieldsDir, c);
    return m;
  });

  // The hub and both boxes run as real processes; the hub's data and each box's live under OUT.
  const hubEnv = { LEUKODIFF_HUB_DATA: path.join(out, 'hub') };
  const hubCli = (args: string[]) => run.exec(process.execPath, [path.join('bin', 'run-ts.mjs'), path.join('src', 'hub', 'main.ts'), ...args], hubEnv);
  const tokens: Record<string, string> = {};
  await run.step('2. Provision the boxes; both clinics opt in', 'npm run hub -- provision-device --clinic sim-a|sim-b; npm run hub -- training-consent --clinic sim-a|sim-b --on', () => {
    for (const c of clinics) {
      tokens[c.id] = hubCli(['provision-device', '--clinic', c.clinicId, '--clinic-name', `Clinic ${c.id.toUpperCase()}`]).stdout.trim();
      hubCli(['training-consent', '--clinic', c.clinicId, '--on']);
    }
  });
  const procs: Proc[] = [];
  // Interrupted (Ctrl-C, a timeout): no hub or box is left running. A Python step runs to its end first (spawnSync holds the loop); Ctrl-C reaches it too, through the process group.
  const interrupted = (signal: NodeJS.Signals) => {
    for (const p of procs) p.child.kill('SIGKILL');
    process.stderr.write(`simulate-clinics: stopped by ${signal}\n`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const boxEnv = (c: ClinicSpec, hubPort: number): Record<string, string> => ({
    LEUKODIFF_DATA: path.join(out, `box-${c.id}`, 'data'),
    LEUKODIFF_MODEL_SETS: path.join(out, `box-${c.id}`, 'root', 'model-sets'),
    LEUKODIFF_BACKEND: 'onnxruntime',
    LEUKODIFF_HUB_URL: `http://127.0.0.1:${hubPort}`,
    LEUKODIFF_HUB_TOKEN: tokens[c.id]!,
    LEUKODIFF_SYNC_POLL_MS: '1000',
    LEUKODIFF_SYNC_PROBE_MS: '1000',
  });
  try {
    const hubPort = await freePort();
    procs.push(await startHub(hubEnv, hubPort));
    const boxes: Record<string, { proc: Proc; client: BoxClient; env: Record<string, string> }> = {};
    for (const c of clinics) {
      const port = await freePort();
      const env = boxEnv(c, hubPort);
      const proc = await startBox(env, port);
      procs.push(proc);
      const client = new BoxClient(port);
      await client.setUp(`Supervisor ${c.id.toUpperCase()}`);
      boxes[c.id] = { proc, client, env };
    }

    const before: Record<string, { tally: Tally; samples: string[] }> = {};
    const nurse: Record<string, Awaited<ReturnType<typeof correctAndSign>>> = {};
    for (const c of clinics) {
      const box = boxes[c.id]!.client;
      before[c.id] = await run.step(
        `3${c.id}. Clinic ${c.id.toUpperCase()}: held-out photos analysed (before)`,
        `box API: POST /api/samples, POST /api/samples/:id/fields (${c.photos.heldout.length} photos)`,
        () => measureHeldOut(box, path.join(fieldsDir, c.id, 'heldout'), c.photos.heldout, batch, `H${c.id.toUpperCase()}`),
      );
      nurse[c.id] = await run.step(
        `4${c.id}. Clinic ${c.id.toUpperCase()}: nurses correct every cell and sign`,
        `box API: analyse, PATCH /api/cells/:id, POST /api/fields/:id/cells, POST /api/samples/:id/sign (${c.photos.train.length} photos)`,
        () => correctAndSign(box, path.join(fieldsDir, c.id, 'train'), c.photos.train, batch, `T${c.id.toUpperCase()}`),
      );
    }
    await run.step('5. Boxes sync to the hub', 'GET /api/sync until the outbox is empty', async () => {
      for (const c of clinics) await boxes[c.id]!.client.synced();
    });
    const exportDir = path.join(out, 'export');
    const exportManifest = await run.step('6. The hub exports the verified cells', `npm run hub -- export-training --out ${path.relative(PROJECT_ROOT, exportDir)}`, () => {
      hubCli(['export-training', '--out', exportDir]);
      return JSON.parse(readFileSync(path.join(exportDir, 'manifest.json'), 'utf8'));
    });

    // Training: the shipped classifier recovered from its ONNX file, fine-tuned on the export.
    const rel = (p: string) => path.relative(PROJECT_ROOT, p);
    const current = path.join(out, 'classifier-current');
    const tuned = path.join(out, 'classifier-finetuned');
    const hashes = path.join(out, 'public.sha256');
    const fineTuning: FineTuning = { current, exportDir, data, hashes, epochs, epochSize };
    await run.step('7. The shipped classifier as a trainable checkpoint', `${PY} scripts/train/cellcls/onnx_to_ckpt.py --out ${rel(current)}`, () => {
      run.exec(PY, [path.join(CELLCLS, 'onnx_to_ckpt.py'), '--out', current]);
    });
    await run.step(
      '8. Fine-tune on the export (short configuration)',
      `${PY} scripts/train/cellcls/finetune.py --weights ${rel(current)}/best.pt --exports ${rel(exportDir)} --data ${rel(data)} --out ${rel(tuned)} --epochs ${epochs} --epoch-size ${epochSize} --public-hashes ${rel(hashes)}`,
      () => {
        sha256List(pbc, hashes);
        finetune(run, fineTuning, tuned);
      },
    );
    const evalData = path.join(out, 'eval-data');
    evalCache(data, path.join(tuned, 'hub-data'), evalData);
    const splits = [...PUBLIC_TESTS, ...clinics.map((c) => `clinic-${c.clinicId}:test`)];
    const on = splits.flatMap((s) => ['--on', s]);
    const measured: Record<string, any> = {};
    await run.step(
      "9. Measure both on the public tests and the clinics' export test splits",
      `${PY} scripts/train/cellcls/evaluate.py --data ${rel(evalData)} --weights <current|finetuned>/best.pt ${on.join(' ')} --json ...`,
      () => {
        for (const [name, dir] of [
          ['current', current],
          ['candidate', tuned],
        ] as const) {
          const json = path.join(out, `eval-${name}.json`);
          run.exec(PY, [path.join(CELLCLS, 'evaluate.py'), '--data', evalData, '--weights', path.join(dir, 'best.pt'), ...on, '--json', json]);
          measured[name] = JSON.parse(readFileSync(json, 'utf8'));
        }
      },
    );
    const promotion = await run.step('10. The promotion rule', `${PY} scripts/train/cellcls/promote.py --current eval-current.json --candidate eval-candidate.json --markdown promotion.md`, () =>
      run.exec(
        PY,
        [path.join(CELLCLS, 'promote.py'), '--current', path.join(out, 'eval-current.json'), '--candidate', path.join(out, 'eval-candidate.json'), '--markdown', path.join(out, 'promotion.md')],
        {},
        [0, 1],
      ),
    );
    const loco = values.loco
      ? await run.step('10b. Leave one clinic out', `${PY} scripts/train/cellcls/finetune.py ... --hold-out <clinic>; evaluate.py --on clinic-<clinic>:train,val,test`, () =>
          leaveOneClinicOut(run, clinics, fineTuning, evalData),
        )
      : null;
    const report: Record<string, unknown> = {
      looks,
      nurse,
      exportManifest: { clinics: exportManifest.clinics, counts: exportManifest.counts },
      before: Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v.tally])),
      measured,
      promoted: promotion.code === 0,
    };
    let after: Tally | null = null;
    let kept: { same: boolean; detail: string } | null = null;
    if (promotion.code === 0 || values['ship-refused']) {
      const candidateModels = path.join(out, 'models-candidate');
      const baseVersion = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'models', 'manifest.json'), 'utf8')).modelSet.version as string;
      const version = `${baseVersion}-sim.1`;
      const bundle = path.join(out, `leukodiff-models-${version}.ldb`);
      const keys = generateSigningKeys();
      writeFileSync(path.join(out, 'bundle-signing.key'), keys.privatePem, { mode: 0o600 });
      await run.step(
        '11. Export the new classifier into a model set and bundle it',
        `${PY} scripts/train/cellcls/export.py --run ${rel(tuned)} --models ${rel(candidateModels)}; npm run make-model-bundle -- --models ${rel(candidateModels)} --key bundle-signing.key --out ${rel(bundle)}`,
        () => {
          cpSync(path.join(PROJECT_ROOT, 'models'), candidateModels, { recursive: true, filter: (p) => path.relative(path.join(PROJECT_ROOT, 'models'), p).split(path.sep)[0] !== 'eval' });
          run.exec(PY, [path.join(CELLCLS, 'export.py'), '--run', tuned, '--data', evalData, '--models', candidateModels, '--metrics', path.join(out, 'eval-candidate.json')]);
          const manifestFile = path.join(candidateModels, 'manifest.json');
          const m = JSON.parse(readFileSync(manifestFile, 'utf8'));
          m.modelSet = { version, createdAt: new Date().toISOString() };
          writeFileSync(manifestFile, JSON.stringify(m, null, 2) + '\n');
          run.exec(process.execPath, [path.join('bin', 'leukodiff.mjs'), 'make-model-bundle', '--models', candidateModels, '--key', path.join(out, 'bundle-signing.key'), '--out', bundle]);
        },
      );
      const b = boxes.b!;
      const applied = await run.step(
        "12. Apply the bundle on clinic B's box",
        `leukodiff apply-model-bundle ${rel(bundle)} --root ${rel(path.join(out, 'box-b', 'root'))} (regression check, switch, restart, health deadline)`,
        () =>
          applyModelBundle({
            bundle,
            root: path.join(out, 'box-b', 'root'),
            publicKey: loadPublicKey(keys.publicPem),
            deadlineMs: 120_000,
            hooks: {
              log: (line) => process.stdout.write(`   ${line}\n`),
              restartDaemon: async () => {
                await b.proc.kill('SIGTERM');
                b.proc = await startBox(b.env, b.client.port);
                procs.push(b.proc);
              },
              healthy: async (v) => (await b.client.modelSet().catch(() => '')) === v,
            },
          }),
      );
      report.applied = applied;
      if (applied.status !== 'applied') throw new Error(`the bundle was not applied: ${JSON.stringify(applied)}`);
      const afterRun = await run.step('13. Clinic B: held-out photos analysed again (after)', `box API, as in step 3b, on the new model set ${version}`, () =>
        measureHeldOut(b.client, path.join(fieldsDir, 'b', 'heldout'), clinics[1]!.photos.heldout, batch, 'HB2'),
      );
      after = afterRun.tally;
      // A sample analysed before the update keeps its cells and its model set.
      const again = await measureAgain(b.client, before.b!.samples);
      kept = {
        same: again.sets.every((v) => v === baseVersion) && again.cells === before.b!.tally.photos - before.b!.tally.missed + before.b!.tally.falseCells,
        detail: `model sets ${[...new Set(again.sets)].join(', ')}; ${again.cells} counted cells`,
      };
      report.after = after;
      report.keptBeforeUpdate = kept;
    }
    report.steps = run.steps;
    writeFileSync(path.join(out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    const md = markdown(clinics, looks, before, after, measured, promotion.code === 0, kept, run.steps, splits, readFileSync(path.join(out, 'promotion.md'), 'utf8'), loco);
    writeFileSync(path.join(out, 'report.md'), md);
    process.stdout.write(`\n${md}`);
    return 0;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await stopAll(procs);
  }
}

/** Stops the hub and boxes: SIGTERM, and SIGKILL for one still running after 10 s. */
async function stopAll(procs: Proc[]): Promise<void> {
  await Promise.all(
    procs.map(async (p) => {
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
      await p.kill('SIGTERM').catch(() => undefined);
      clearTimeout(timer);
    }),
  );
}

/** What every fine-tune of the simulation starts from and runs with. */
interface FineTuning {
  current: string;
  exportDir: string;
  data: string;
  hashes: string;
  epochs: number;
  epochSize: number;
}

/** finetune.py from the current classifier on the export, into `out`; `extra`: more options (--hold-out). */
function finetune(run: Run, o: FineTuning, out: string, extra: string[] = []): void {
  run.exec(PY, [
    path.join(CELLCLS, 'finetune.py'),
    ...['--weights', path.join(o.current, 'best.pt'), '--exports', o.exportDir, '--data', o.data, '--out', out],
    ...['--epochs', String(o.epochs), '--epoch-size', String(o.epochSize), '--public-hashes', o.hashes, ...extra],
  ]);
}

/**
 * Each clinic left out in turn: the classifier fine-tuned on the other clinic's export alone (same
 * configuration), measured with the current one on the whole export of the clinic left out.
 */
function leaveOneClinicOut(run: Run, clinics: ClinicSpec[], o: FineTuning, evalData: string): Record<string, { current: any; withoutIt: any }> {
  const rows: Record<string, { current: any; withoutIt: any }> = {};
  for (const c of clinics) {
    const dir = path.join(run.out, `classifier-without-${c.id}`);
    finetune(run, o, dir, ['--hold-out', c.clinicId]);
    const spec = `clinic-${c.clinicId}:train,val,test`;
    const measure = (weights: string, name: string) => {
      const json = path.join(run.out, `eval-loco-${c.id}-${name}.json`);
      run.exec(PY, [path.join(CELLCLS, 'evaluate.py'), '--data', evalData, '--weights', weights, '--on', spec, '--json', json]);
      return JSON.parse(readFileSync(json, 'utf8'))[spec];
    };
    rows[c.clinicId] = { current: measure(path.join(o.current, 'best.pt'), 'current'), withoutIt: measure(path.join(dir, 'best.pt'), 'without') };
  }
  return rows;
}

/** The held-out samples analysed before the update, read again: their model set and counted cells. */
async function measureAgain(box: BoxClient, samples: string[]): Promise<{ sets: string[]; cells: number }> {
  const sets: string[] = [];
  let cells = 0;
  for (const id of samples) {
    const s = await box.sample(id);
    for (const f of s.fields) {
      sets.push(f.analysis?.modelSet ?? 'none');
      cells += f.cells.filter((c) => isCountedClass(c.type)).length;
    }
  }
  return { sets, cells };
}

function markdown(
  clinics: ClinicSpec[],
  looks: Record<string, { scale: number; odBefore: number[]; odAfter: number[] }>,
  before: Record<string, { tally: Tally }>,
  after: Tally | null,
  measured: Record<string, any>,
  promoted: boolean,
  kept: { same: boolean; detail: string } | null,
  steps: Step[],
  splits: string[],
  promotionMd: string,
  loco: Record<string, { current: any; withoutIt: any }> | null,
): string {
  const lines: string[] = ['# Two simulated clinics: the learning loop', ''];
  lines.push(
    '## The clinics',
    '',
    '| clinic | scale of the photos | OD of the darkest 20 % (R, G, B) before -> after (stain and camera) | light | photos corrected | held out |',
    '|---|---|---|---|---|---|',
  );
  for (const c of clinics) {
    const l = looks[c.id]!;
    lines.push(`| ${c.id.toUpperCase()} | ${l.scale} | ${l.odBefore.join(', ')} -> ${l.odAfter.join(', ')} | ${c.look.light.join(', ')} | ${c.photos.train.length} | ${c.photos.heldout.length} |`);
  }
  lines.push('', '## Held-out photos, analysed by the box (localiser, scale and classifier together)', '');
  lines.push(
    '| box, model set | photos | typed right | unidentified | missed | right per type (N, E, B, L, M) | other cells counted per photo | median um/px measured | model set |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const c of clinics) lines.push(tallyRow(`clinic ${c.id.toUpperCase()}, before`, before[c.id]!.tally));
  if (after) lines.push(tallyRow('clinic B, after the update', after));
  lines.push('', '## The classifier on labelled crops (evaluate.py; five-type accuracy, mean recall)', '', '| split | current | fine-tuned |', '|---|---|---|');
  const cell = (m: any) => (m ? `${(100 * m.accuracy5).toFixed(1)} % (${m.cells} cells)` : '-');
  for (const s of splits) lines.push(`| ${s} | ${cell(measured.current?.[s])} | ${cell(measured.candidate?.[s])} |`);
  if (loco) {
    lines.push('', "## Leave one clinic out (fine-tuned on the other clinic's export alone; measured on the whole export of the clinic left out)", '');
    lines.push('| clinic left out | cells | current: accuracy, mean recall (5) | fine-tuned without it |', '|---|---|---|---|');
    const both = (m: any) => `${(100 * m.accuracy5).toFixed(1)} %, ${(100 * meanRecall5(m)).toFixed(1)} %`;
    for (const [clinic, r] of Object.entries(loco)) lines.push(`| ${clinic} | ${r.current.cells} | ${both(r.current)} | ${both(r.withoutIt)} |`);
  }
  const verdict = promoted ? 'PROMOTE' : after ? 'REFUSE; bundled and applied on clinic B anyway (--ship-refused), to measure it: a network would not ship it' : 'REFUSE (no bundle made)';
  lines.push('', `Promotion: ${verdict}`, '', promotionMd.trim(), '');
  if (kept) lines.push(`Samples analysed before the update kept their results: ${kept.same ? 'yes' : 'NO'} (${kept.detail}).`, '');
  lines.push('## Steps', '', '| step | command | seconds |', '|---|---|---|');
  for (const s of steps) lines.push(`| ${s.step} | \`${s.command.replaceAll('|', '\\|')}\` | ${s.seconds} |`);
  return lines.join('\n') + '\n';
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`simulate-clinics: ${(err as Error).message}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
