/** GET /api/health: version, backend and why, loaded models and the cell classifier, uptime. */
import type { FastifyPluginAsync } from 'fastify';
import { VERSION } from '../../version.ts';

const healthSchema = {
  type: 'object',
  required: ['status', 'version', 'backend', 'models', 'ensemble', 'uptimeSeconds'],
  properties: {
    status: { type: 'string', enum: ['ok'] },
    version: { type: 'string' },
    backend: {
      type: 'object',
      required: ['name', 'reason'],
      properties: { name: { type: 'string' }, reason: { type: 'string' } },
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
      anyOf: [
        { type: 'object', required: ['file', 'sha256', 'inputPx'], properties: { file: { type: 'string' }, sha256: { type: 'string' }, inputPx: { type: 'integer' } } },
        { type: 'null' },
      ],
    },
    uptimeSeconds: { type: 'number' },
  },
} as const;

const startedAt = Date.now();

const health: FastifyPluginAsync = async (app) => {
  app.get('/api/health', { schema: { response: { 200: healthSchema } } }, async () => ({
    status: 'ok' as const,
    version: VERSION,
    backend: app.engine.backend,
    models: app.engine.manifest.models.map((m) => ({ id: m.id, sha256: m.sha256, input: m.input })),
    ensemble: app.engine.manifest.ensemble,
    cellClassifier: app.engine.classifier
      ? { file: app.engine.classifier.entry.file, sha256: app.engine.classifier.entry.sha256, inputPx: app.engine.classifier.entry.inputPx }
      : null,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
  }));
};

export default health;
