/** Runs the detectors on a stored field image and shapes the result for the store. */
import { analyzeField } from '../../core/analysis/analyze.ts';
import type { Engine } from '../../core/inference/engine.ts';
import { modelSetVersion } from '../../core/inference/manifest.ts';
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

/** The box's microscope calibration, um per pixel, read at each field (it can change while the daemon runs). */
export type CalibrationSource = () => number | undefined;

export function engineAnalyzer(engine: Engine, files: ImageFiles, maxImagePixels: number, calibration: CalibrationSource = () => undefined): FieldAnalyzer {
  const models = new Map(engine.manifest.models.map((m) => [m.id, m.sha256]));
  const classifier = engine.manifest.cellClassifier;
  const modelSet = modelSetVersion(engine.manifest);
  return async (field) => {
    const a = await analyzeField(engine, files.pathOf(field.imageSha256), { maxImagePixels, scale: { calibrated: calibration() } });
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
          models: [...a.members.map((m) => ({ id: m.id, sha256: models.get(m.id) ?? '' })), ...(classifier && a.typing === 'classifier' ? [{ id: 'cellClassifier', sha256: classifier.sha256 }] : [])],
          modelSet,
          totalMs: Math.round(a.timings.totalMs),
          scale: a.scale,
          typing: a.typing,
        },
      },
      pixels: a.decoded,
    };
  };
}
