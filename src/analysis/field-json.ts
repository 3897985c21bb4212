/** The JSON form of a field's analysis (CLI --json and the API), with its schema. */
import { CELL_TYPES } from '../types.ts';
import type { FieldAnalysis } from './analyze.ts';

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

export function toFieldJson(a: FieldAnalysis) {
  return {
    image: a.image,
    quality: { metrics: a.quality.metrics, warnings: a.quality.warnings },
    fusion: a.fusion.mode === 'single' ? `single:${a.members[0]?.id}` : a.fusion.mode,
    cells: a.cells.map((c) => ({
      type: CELL_TYPES[c.type],
      confidence: round(c.confidence, 4),
      agreement: round(c.agreement, 4),
      votes: Object.fromEntries(CELL_TYPES.map((t, i) => [t, c.votes[i]])),
      box: c.box.map((v) => round(v, 1)),
      review: c.review,
    })),
    differential: a.differential,
    members: a.members.map((m) => ({ id: m.id, detections: m.detections.length })),
    timingsMs: {
      decode: round(a.timings.decodeMs),
      quality: round(a.timings.qualityMs),
      letterbox: round(a.timings.letterboxMs),
      models: Object.fromEntries(Object.entries(a.timings.modelMs).map(([k, v]) => [k, round(v)])),
      postprocess: round(a.timings.postprocessMs),
      fusion: round(a.timings.fusionMs, 3),
      total: round(a.timings.totalMs),
    },
  };
}

export type FieldJson = ReturnType<typeof toFieldJson>;

const typeCounts = {
  type: 'object',
  required: [...CELL_TYPES],
  properties: Object.fromEntries(CELL_TYPES.map((t) => [t, { type: 'number' }])),
} as const;

export const fieldAnalysisSchema = {
  type: 'object',
  required: ['image', 'quality', 'fusion', 'cells', 'differential', 'members', 'timingsMs'],
  properties: {
    image: {
      type: 'object',
      required: ['width', 'height', 'format', 'sha256'],
      properties: { width: { type: 'integer' }, height: { type: 'integer' }, format: { type: 'string' }, sha256: { type: 'string' } },
    },
    quality: {
      type: 'object',
      properties: {
        metrics: { type: 'object', additionalProperties: { type: 'number' } },
        warnings: {
          type: 'array',
          items: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
    fusion: { type: 'string' },
    cells: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'confidence', 'agreement', 'votes', 'box', 'review'],
        properties: {
          type: { type: 'string', enum: [...CELL_TYPES] },
          confidence: { type: 'number' },
          agreement: { type: 'number' },
          votes: typeCounts,
          box: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 },
          review: { type: 'boolean' },
        },
      },
    },
    differential: {
      type: 'object',
      required: ['total', 'counts', 'percent'],
      properties: { total: { type: 'integer' }, counts: typeCounts, percent: typeCounts },
    },
    members: {
      type: 'array',
      items: { type: 'object', properties: { id: { type: 'string' }, detections: { type: 'integer' } } },
    },
    timingsMs: {
      type: 'object',
      properties: {
        decode: { type: 'number' },
        quality: { type: 'number' },
        letterbox: { type: 'number' },
        models: { type: 'object', additionalProperties: { type: 'number' } },
        postprocess: { type: 'number' },
        fusion: { type: 'number' },
        total: { type: 'number' },
      },
    },
  },
} as const;
