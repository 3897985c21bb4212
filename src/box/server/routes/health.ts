/**
 * GET /api/health, answered without a session: what the systemd watchdog, the update's health
 * check (version) and the kiosk's first screen (models, ensemble) need, and nothing more: no file
 * names or paths, no backend diagnostics (those are in GET /api/device).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { EngineHealth } from '../../../contracts/api/device.ts';
import { modelSetVersion } from '../../../core/inference/manifest.ts';
import { VERSION } from '../../../version.ts';

const healthSchema = {
  type: 'object',
  required: ['status', 'version', 'backend', 'models', 'ensemble', 'modelSet', 'uptimeSeconds'],
  properties: {
    status: { type: 'string', enum: ['ok'] },
    version: { type: 'string' },
    backend: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string' } },
    },
    models: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'sha256', 'input'],
        properties: {
          id: { type: 'string' },
          sha256: { type: 'string' },
          input: { type: 'array', items: { type: 'integer' } },
        },
      },
    },
    ensemble: {
      type: 'object',
      properties: { members: { type: 'array', items: { type: 'string' } }, mode: { type: 'string' }, iou: { type: 'number' } },
    },
    cellClassifier: {
      anyOf: [{ type: 'object', required: ['sha256', 'inputPx'], properties: { sha256: { type: 'string' }, inputPx: { type: 'integer' } } }, { type: 'null' }],
    },
    modelSet: { type: 'object', required: ['version'], properties: { version: { type: 'string' } } },
    uptimeSeconds: { type: 'number' },
  },
} as const;

const startedAt = Date.now();

const health: FastifyPluginAsync = async (app) => {
  app.get('/api/health', { schema: { response: { 200: healthSchema } } }, async (): Promise<EngineHealth> => ({
    status: 'ok',
    version: VERSION,
    backend: { name: app.engine.backend.name },
    models: app.engine.manifest.models.map((m) => ({ id: m.id, sha256: m.sha256, input: m.input })),
    ensemble: app.engine.manifest.ensemble,
    cellClassifier: app.engine.classifier ? { sha256: app.engine.classifier.entry.sha256, inputPx: app.engine.classifier.entry.inputPx } : null,
    modelSet: { version: modelSetVersion(app.engine.manifest) },
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
  }));
};

export default health;
