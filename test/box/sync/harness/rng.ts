/** Seeded randomness for the fault rounds (the project's mulberry32), so a failing round replays with its seed. */
import { mulberry32 } from '../../../../src/core/util/random.ts';

export type Rng = () => number;

export const rng = (seed: number): Rng => mulberry32(seed);
export const between = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
export const chance = (r: Rng, p: number) => r() < p;
