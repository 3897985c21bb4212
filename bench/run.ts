/** `npm run bench`: medians, p90s and ratios of every performance budget. Tests never assert on time. */
import { runCocoEvalBench } from './coco-eval.ts';
import { runDaemonBench } from './daemon.ts';
import { measureFieldOverlap } from './field-overlap.ts';
import { runFusionBench } from './fusion.ts';
import { runBacklogBench, runHubBench } from './hub.ts';
import { runPipelineBench } from './pipeline.ts';
import { fmtMs } from './stats.ts';
import { runUiBench } from './ui.ts';
import { runWorkflowBench } from './workflow.ts';

const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);

function table(rows: { name: string; medianMs: number; p90Ms: number }[]) {
  const w = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) console.log(`  ${r.name.padEnd(w)}  median ${fmtMs(r.medianMs).padStart(9)}  p90 ${fmtMs(r.p90Ms).padStart(9)}`);
}

if (want('pipeline')) {
  const p = await runPipelineBench();
  console.log(`pipeline (onnxruntime, CPU) on ${p.fields.length} demo fields: ${p.fields.join(', ')}`);
  table([...Object.entries(p.modelsAlone).map(([id, t]) => ({ name: `model ${id} alone (session.run)`, ...t })), ...Object.entries(p.stages).map(([name, t]) => ({ name, ...t }))]);
  console.log(`  fields per minute         ${p.fieldsPerMinute.toFixed(0)}`);
  console.log(`  overhead ratio: pipeline total / sum of the models alone = ${p.overheadRatio.toFixed(3)}  (budget <= 1.15)`);
  console.log(`  overhead ratio: pipeline total / its own session.run times = ${p.overheadRatioInPipeline.toFixed(3)} (median per field)`);
  console.log(
    `  scale + classifier: ${p.stages.total.medianMs.toFixed(1)} ms vs ${p.withoutScaleAndClassifierMs.toFixed(1)} ms per field without them = ${p.scaleAndClassifierRatio.toFixed(3)}  (budget <= 1.3)`,
  );
  console.log(`  RSS with models loaded ${p.idleRssMB.toFixed(0)} MB, peak ${p.peakRssMB.toFixed(0)} MB`);
}
if (want('daemon')) {
  const d = await runDaemonBench();
  console.log(`daemon (npm start with the shipped models)`);
  console.log(`  startup to first /api/health  ${d.startupMs.toFixed(0)} ms`);
  console.log(`  idle RSS ${d.idleRssMB.toFixed(0)} MB (budget < 250 MB), after 5 analyses ${d.afterAnalysisRssMB.toFixed(0)} MB`);
}
if (want('fusion')) {
  console.log('fusion of 3 models x 100 boxes (budget: paper < 1 ms median)');
  table(await runFusionBench());
}
if (want('coco')) {
  console.log('COCO evaluation, 1,000 images, ~10,000 detections (budget < 2 s)');
  table(await runCocoEvalBench());
}
if (want('overlap')) {
  const o = await measureFieldOverlap();
  console.log(`field overlap check of an upload (budget: a few ms per earlier field of the sample)`);
  table([
    { name: 'fingerprint of the new 640x480 field', ...o.fingerprint },
    { name: `check against ${o.earlier} earlier fingerprints`, ...o.check },
  ]);
  console.log(
    `  per earlier field ${fmtMs(o.perFieldMs)}: the check of ${o.earlier} fields = ${(o.check.medianMs / o.fingerprint.medianMs).toFixed(1)} x the new field's fingerprint; ` +
      `largest share found ${o.largestShare.toFixed(2)} (the one field retaken, 90 % overlap)`,
  );
}
if (want('workflow')) {
  for (const line of await runWorkflowBench()) console.log(line);
}
if (want('hub')) {
  const h = await runHubBench();
  const where = h.engine === 'postgres' ? 'PostgreSQL' : 'SQLite (set DATABASE_URL for PostgreSQL)';
  console.log(`hub ingest on ${where}: ${h.revisions} revisions of ${h.payloadKB.toFixed(0)} KB, images present, ${h.concurrency} concurrent boxes`);
  console.log(`  revisions per second  ${h.revisionsPerSecond.toFixed(0)}  (target >= 50 on PostgreSQL)`);
  console.log(`  per revision  median ${fmtMs(h.latency.medianMs)}  p90 ${fmtMs(h.latency.p90Ms)}`);
  const b = await runBacklogBench();
  console.log(`box backlog: ${b.samples} samples signed offline (${b.imageMB.toFixed(0)} MB of photos), drained into a local hub`);
  console.log(
    `  ${b.drainSeconds.toFixed(1)} s (${b.samplesPerSecond.toFixed(0)} samples/s); heap ${b.heapBeforeMB.toFixed(0)} MB before, peak ${b.heapPeakMB.toFixed(0)} MB; RSS peak ${b.rssPeakMB.toFixed(0)} MB`,
  );
}
if (want('ui')) {
  const u = await runUiBench();
  console.log(`kiosk UI (vite build ${u.buildMs.toFixed(0)} ms)`);
  for (const f of u.files) console.log(`  ${f.name}  ${(f.bytes / 1024).toFixed(1)} kB, ${(f.gzipBytes / 1024).toFixed(1)} kB gzipped`);
  console.log(`  JavaScript ${(u.jsGzipBytes / 1024).toFixed(1)} kB gzipped (budget < 300 kB), ${(u.jsBytes / 1024).toFixed(1)} kB raw`);
  if (u.cold && u.warm) {
    console.log(`  first screen interactive, 1024x600, Chromium headless (budget < 1000 ms)`);
    table([
      { name: 'cold (empty cache)', ...u.cold },
      { name: 'warm (bundle cached)', ...u.warm },
    ]);
  } else console.log('  first screen interactive: not measured (no /usr/bin/chromium)');
}
