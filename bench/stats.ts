/** Timing helpers for `npm run bench`: medians and p90 of repeated runs. */
export interface Timing {
  medianMs: number;
  p90Ms: number;
  runs: number;
}

export function summarize(samplesMs: number[]): Timing {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))];
  return { medianMs: at(0.5), p90Ms: at(0.9), runs: s.length };
}

/** Runs fn `warmup` times untimed, then `runs` times timed. */
export async function measure(fn: () => unknown, runs: number, warmup = Math.min(3, runs)): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

export function fmtMs(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}
