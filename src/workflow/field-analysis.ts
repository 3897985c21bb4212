/** Runs the detectors on a stored field image and shapes the result for the store. */
import { analyzeField } from '../analysis/analyze.ts';
import type { Engine } from '../inference/engine.ts';
import type { ImageFiles } from '../store/image-files.ts';
import type { Field } from '../store/types.ts';
import type { AnalysisOutcome } from './analysis-results.ts';
import type { RawPixels } from './derived-images.ts';

export interface AnalysedField {
  outcome: AnalysisOutcome;
  /** The decoded image, for thumbnails and crops. */
  pixels: RawPixels;
}

export type FieldAnalyzer = (field: Field) => Promise<AnalysedField>;

export class DamagedImageError extends Error {}

export function engineAnalyzer(engine: Engine, files: ImageFiles, maxImagePixels: number): FieldAnalyzer {
  const models = new Map(engine.manifest.models.map((m) => [m.id, m.sha256]));
  return async (field) => {
    const a = await analyzeField(engine, files.pathOf(field.imageSha256), { maxImagePixels });
    if (a.image.sha256 !== field.imageSha256) {
      throw new DamagedImageError(`the stored image of field ${field.seq} no longer matches its checksum (disk damage): photograph the field again`);
    }
    return {
      outcome: {
        cells: a.cells,
        quality: { metrics: { ...a.quality.metrics }, warnings: a.quality.warnings },
        analysis: {
          fusion: a.fusion.mode === 'single' ? `single:${a.members[0]?.id}` : a.fusion.mode,
          backend: engine.backend.name,
          models: a.members.map((m) => ({ id: m.id, sha256: models.get(m.id) ?? '' })),
          totalMs: Math.round(a.timings.totalMs),
        },
      },
      pixels: a.decoded,
    };
  };
}
