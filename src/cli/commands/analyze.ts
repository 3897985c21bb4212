/** `leukodiff analyze <image...>`: cells, quality warnings and differential per field, as text or JSON. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { analyzeField, differential, singleChoices, type FieldAnalysis } from '../../core/analysis/analyze.ts';
import { toFieldJson } from '../../core/analysis/field-json.ts';
import { renderOverlay } from '../../core/analysis/overlay.ts';
import { ConfigError, loadConfig } from '../../box/config.ts';
import { CELL_TYPES } from '../../contracts/vocabulary.ts';
import { ANALYSIS_OPTIONS, parseAnalysisOptions } from '../analysis-options.ts';
import { parseCommandArgs } from '../args.ts';
import { parseFusionSpec, type FusionConfig } from '../../core/ensemble/index.ts';
import { InputError } from '../../core/errors.ts';
import { loadEngine, type Engine } from '../../core/inference/engine.ts';
import { ModelError } from '../../core/inference/manifest.ts';

const USAGE = `usage: leukodiff analyze <image...> [--json] [--overlay out.png] [--ensemble paper|wbf|nms|single:<model id>]
                        [--scale <um per px>] [--typing classifier|detectors]
  --json        one JSON object per run: {"fields": [...], "differential": {...}}
  --overlay F   write the image with the cells drawn (with several images: F's name plus each image's name)
  --ensemble S  fusion of the members (default: the manifest's ensemble)
  --scale U     the images' known scale in micrometres per pixel (default: measured from the red cells)
  --typing T    who types the cells: the cell classifier (default) or the detectors' votes`;

function fail(message: string): number {
  process.stderr.write(`leukodiff analyze: ${message}\n`);
  return 2;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandArgs(
    {
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        overlay: { type: 'string' },
        ensemble: { type: 'string' },
        ...ANALYSIS_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
    fail,
  );
  if (typeof args === 'number') return args;
  const images = args.positionals;
  if (images.length === 0) return fail(`no image given\n${USAGE}`);
  const analysis = parseAnalysisOptions(args.values);
  if (typeof analysis === 'string') return fail(analysis);
  const { given, typing } = analysis;

  let engine: Engine;
  let fusion: FusionConfig | undefined;
  let config;
  try {
    config = loadConfig();
    engine = await loadEngine({ modelsDir: config.modelsDir, backend: config.backend, threads: config.threads });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ModelError) return fail(err.message);
    throw err;
  }
  try {
    const spec = args.values.ensemble;
    if (spec) {
      try {
        const ids = spec.startsWith('single:') ? singleChoices(engine) : engine.manifest.ensemble.members;
        fusion = parseFusionSpec(spec, ids, { iou: engine.manifest.ensemble.iou });
      } catch (err) {
        return fail((err as Error).message);
      }
    }
    const results: { file: string; analysis: FieldAnalysis }[] = [];
    let failed = 0;
    for (const file of images) {
      try {
        const analysis = await analyzeField(engine, file, { fusion, maxImagePixels: config.maxImagePixels, scale: { given }, typing });
        results.push({ file, analysis });
        if (args.values.overlay) {
          const out = overlayPath(args.values.overlay, file, images.length);
          await writeFile(out, await renderOverlay(analysis.decoded, analysis.cells));
        }
        if (!args.values.json) process.stdout.write(formatField(file, analysis));
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        failed++;
        process.stderr.write(`leukodiff analyze: ${file}: ${(err as InputError).message}\n`);
      }
    }
    const total = differential(results.flatMap((r) => r.analysis.cells));
    if (args.values.json) {
      const fields = results.map((r) => ({ file: r.file, ...toFieldJson(r.analysis) }));
      process.stdout.write(JSON.stringify({ backend: engine.backend, fields, differential: total }, null, 2) + '\n');
    } else if (results.length > 1) {
      process.stdout.write(`== all ${results.length} fields\n${formatDifferential(total)}`);
    }
    return failed ? 2 : 0;
  } finally {
    await engine.close();
  }
}

export function overlayPath(overlay: string, image: string, count: number): string {
  if (count === 1) return overlay;
  const ext = path.extname(overlay) || '.png';
  return `${overlay.slice(0, overlay.length - path.extname(overlay).length)}-${path.basename(image, path.extname(image))}${ext}`;
}

function formatDifferential(d: ReturnType<typeof differential>): string {
  const rows = CELL_TYPES.map((t) => `  ${t.padEnd(11)} ${String(d.counts[t]).padStart(4)}  ${d.percent[t].toFixed(1).padStart(5)} %`);
  return `differential (${d.total} cells):\n${rows.join('\n')}\n`;
}

function formatField(file: string, a: FieldAnalysis): string {
  const lines = [`== ${file} (${a.image.width}x${a.image.height})`];
  for (const w of a.quality.warnings) lines.push(`warning: ${w.message}`);
  const s = a.scale;
  lines.push(s.umPerPixel === null ? 'scale: not measured' : `scale: ${s.umPerPixel.toFixed(4)} um/px (${s.source}${s.source === 'measured' ? `, ${s.rbcCount} red cells` : ''})`);
  lines.push(`${a.cells.length} cells:`);
  a.cells.forEach((c, i) => {
    const box = c.box.map((v) => Math.round(v)).join(',');
    lines.push(`  ${String(i + 1).padStart(3)}  ${c.cellClass.padEnd(20)} conf ${c.confidence.toFixed(2)}  agreement ${c.agreement.toFixed(2)}  box ${box}${c.review ? '  REVIEW' : ''}`);
  });
  return lines.join('\n') + '\n' + formatDifferential(a.differential);
}
