/**
 * `npm run soak`: every sync fault scenario, 20 randomised rounds each, against the SQLite hub and
 * (when DATABASE_URL is set) the PostgreSQL hub. Each round's seed is printed; a failed round
 * replays with `npm run soak -- --seed <its seed> --rounds 1 --scenario <name> --engine <engine>`.
 *
 *   --seed N          first round's seed (default: random)
 *   --rounds N        rounds per scenario and engine (default 20)
 *   --scenario a,b    scenarios to run (default all)
 *   --engine E        sqlite, postgres or both (default: both when DATABASE_URL is set)
 *   --burst N         samples signed while the hub is down in hubDownBurst (default 50)
 */
import { parseArgs } from 'node:util';
import { SCENARIOS, type ScenarioSize } from './harness/scenarios.ts';
import { runScenario } from './harness/run.ts';
import { between, rng } from './harness/rng.ts';
import type { Engine } from '../../hub/helpers.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    rounds: { type: 'string', default: '20' },
    scenario: { type: 'string' },
    engine: { type: 'string' },
    burst: { type: 'string', default: '50' },
  },
});

const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const rounds = Number(values.rounds);
const names = values.scenario ? values.scenario.split(',') : Object.keys(SCENARIOS);
const engines: Engine[] = values.engine === 'sqlite' || values.engine === 'postgres' ? [values.engine] : process.env.DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
if (engines.includes('postgres') && !process.env.DATABASE_URL) {
  process.stderr.write('soak: --engine postgres needs DATABASE_URL\n');
  process.exit(2);
}
for (const n of names) {
  if (!SCENARIOS[n]) {
    process.stderr.write(`soak: no scenario ${n} (${Object.keys(SCENARIOS).join(', ')})\n`);
    process.exit(2);
  }
}

/** Round seeds: the first is the given seed, so a printed round seed replays that round. */
function roundSeeds(first: number, count: number): number[] {
  const r = rng(first);
  const out = [first];
  while (out.length < count) out.push(Math.floor(r() * 2 ** 31));
  return out;
}

function sizeFor(name: string, roundSeed: number): ScenarioSize {
  const r = rng(roundSeed ^ 0x9e3779b9);
  if (name === 'hubDownBurst') return { samples: Number(values.burst), reviews: between(r, 1, 4) };
  return { samples: between(r, 4, 12), kills: between(r, 1, 4), reviews: between(r, 1, 3) };
}

console.log(`soak: seed ${seed}, ${rounds} rounds x ${names.join(', ')} on ${engines.join(' and ')}`);
const failures: string[] = [];
const t0 = Date.now();
for (const engine of engines) {
  for (const name of names) {
    let ok = 0;
    for (const s of roundSeeds(seed, rounds)) {
      const size = sizeFor(name, s);
      const t = Date.now();
      try {
        const notes = await runScenario(name, engine, s, size);
        ok++;
        console.log(`  ok    ${name} ${engine} seed ${s} ${((Date.now() - t) / 1000).toFixed(1)} s ${JSON.stringify(notes)}`);
      } catch (err) {
        const replay = `npm run soak -- --seed ${s} --rounds 1 --scenario ${name} --engine ${engine}`;
        failures.push(`${name} ${engine} seed ${s}: replay with: ${replay}`);
        console.log(`  FAIL  ${name} ${engine} seed ${s}\n${(err as Error).message}\n  replay: ${replay}`);
      }
    }
    console.log(`${name} on ${engine}: ${ok}/${rounds} rounds passed`);
  }
}
console.log(`soak: seed ${seed}, ${((Date.now() - t0) / 60000).toFixed(1)} min, ${failures.length ? `${failures.length} FAILED` : 'all passed'}`);
for (const f of failures) console.log(`  ${f}`);
process.exit(failures.length ? 1 : 0);
