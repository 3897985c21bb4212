/** POST /api/analyze: one smear photo in the body -> typed, fused cells, quality warnings, differential. */
import type { RoutesPlugin } from '../../../server-common/type-provider.ts';
import { analyzeField, singleChoices } from '../../../core/analysis/analyze.ts';
import { parseFusionSpec } from '../../../core/ensemble/index.ts';
import { InputError } from '../../../core/errors.ts';
import { errorSchema } from '../plugins/errors.ts';
import { fieldAnalysisSchema, toFieldJson } from '../../../core/analysis/field-json.ts';
import { parseUmPerPixel } from '../../../core/analysis/field-scale.ts';

const analyze: RoutesPlugin = async (app) => {
  app.addContentTypeParser(/^(application\/octet-stream|image\/[a-z0-9.+-]+)$/i, { parseAs: 'buffer', bodyLimit: app.config.maxUploadBytes }, (_req, body, done) => done(null, body));

  app.post<{ Querystring: { ensemble?: string; scale?: string }; Body: Buffer }>(
    '/api/analyze',
    {
      bodyLimit: app.config.maxUploadBytes,
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ensemble: { type: 'string', maxLength: 100 }, scale: { type: 'string', maxLength: 20 } },
        },
        response: { 200: fieldAnalysisSchema, '4xx': errorSchema, '5xx': errorSchema },
      },
    },
    async (req) => {
      if (!Buffer.isBuffer(req.body)) {
        throw new InputError('unsupported_media_type', 'send the image bytes as the request body with Content-Type image/jpeg, image/png, ... or application/octet-stream', { status: 415 });
      }
      let fusion;
      if (req.query.ensemble) {
        const engine = app.engine;
        const spec = req.query.ensemble;
        try {
          fusion = parseFusionSpec(spec, spec.startsWith('single:') ? singleChoices(engine) : engine.manifest.ensemble.members, {
            iou: engine.manifest.ensemble.iou,
          });
        } catch (err) {
          throw new InputError('bad_ensemble', (err as Error).message);
        }
      }
      let given: number | undefined;
      if (req.query.scale !== undefined) {
        const v = parseUmPerPixel(req.query.scale);
        if (typeof v === 'string') throw new InputError('bad_scale', v);
        given = v;
      }
      const result = await analyzeField(app.engine, req.body, { fusion, maxImagePixels: app.config.maxImagePixels, scale: { given } });
      return toFieldJson(result);
    },
  );
};

export default analyze;
