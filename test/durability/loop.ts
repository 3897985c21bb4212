/** Runs crash rounds back to back and prints one line per round; exit 1 if any round lost or doubled anything. */
import { crashRound } from './crash-round.ts';

const rounds = Number(process.argv[2] ?? 20);
let failed = 0;
const totals = { acknowledged: 0, fields: 0, rerun: 0, killedMidAnalysis: 0 };
const t0 = Date.now();
for (let i = 1; i <= rounds; i++) {
  const r = await crashRound();
  const rerun = r.report.fields.filter((f) => f.attempts > 1).length;
  totals.acknowledged += r.acknowledged;
  totals.fields += r.inDatabase;
  totals.rerun += rerun;
  if (r.interruptedRunKilled) totals.killedMidAnalysis++;
  console.log(
    `round ${String(i).padStart(2)}  seed ${r.seed}  killed after ${String(r.killedAfterAcks).padStart(2)} acks  acknowledged ${String(r.acknowledged).padStart(2)}  in db ${String(r.inDatabase).padStart(2)}  ` +
      `runs interrupted and redone ${rerun}  kill during analysis ${r.interruptedRunKilled ? 'yes' : 'no'}  integrity ${r.report.integrity}  ${r.problems.length ? `PROBLEMS: ${r.problems.join('; ')}` : 'ok'}`,
  );
  if (r.problems.length) failed++;
}
console.log(
  `${rounds} rounds in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${totals.acknowledged} uploads acknowledged, ${totals.fields} fields stored, ` +
    `${totals.rerun} interrupted runs redone, ${totals.killedMidAnalysis} kills during an analysis; ${failed ? `${failed} rounds FAILED` : 'nothing lost, nothing counted twice'}`,
);
process.exitCode = failed ? 1 : 0;
