/**
 * Exponential backoff with full jitter: after the n-th failure in a row, wait a uniformly random
 * time between 0 and min(cap, base * 2^(n-1)). Boxes that lost the hub together do not come back
 * together, and a long outage costs one cheap attempt per cap interval at most.
 */
export function fullJitter(failures: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  if (failures <= 0) return 0;
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(failures - 1, 40));
  return Math.floor(random() * ceiling);
}

/** A delay around `ms` (between half and one and a half times it), so timers of many boxes spread out. */
export function spread(ms: number, random: () => number = Math.random): number {
  return Math.floor(ms * (0.5 + random()));
}
