/** Runs one scenario in a fresh World and verifies it; throws with the problems and the processes' last output. */
import type { Engine } from '../../../hub/helpers.ts';
import { SCENARIOS, type ScenarioNotes, type ScenarioSize } from './scenarios.ts';
import { World } from './world.ts';

export async function runScenario(name: string, engine: Engine, seed: number, size: ScenarioSize, log?: (line: string) => void): Promise<ScenarioNotes> {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`no scenario ${name} (${Object.keys(SCENARIOS).join(', ')})`);
  const w = await World.create({ engine, seed, log });
  try {
    let notes: ScenarioNotes;
    try {
      notes = await scenario(w, size);
    } catch (err) {
      throw new Error(`${name} (${engine}, seed ${seed}): ${(err as Error).message}\n${w.tail()}`);
    }
    const problems = await w.verify();
    if (problems.length) throw new Error(`${name} (${engine}, seed ${seed}):\n  ${problems.join('\n  ')}\n${w.tail()}`);
    return { ...notes, samples: w.signed.length, reviews: w.reviews.length };
  } finally {
    await w.close();
  }
}
