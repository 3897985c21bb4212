/** The JSON form of a field's analysis (CLI --json and the API), with its schema. */
import { CELL_TYPES } from '../../contracts/vocabulary.ts';
import type { FieldAnalysis } from './analyze.ts';
import { SCALE_SOURCES } from './field-scale.ts';
import { CELL_CLASS_NAMES } from './typing.ts';
import { SCALE_RANGE_REASONS } from './quality.ts';

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

export function toFieldJson(a: FieldAnalysis) {
  return {
    image: a.image,
    quality: { metrics: a.quality.metrics, warnings: a.quality.warnings },
    scale: {
      umPerPixel: a.scale.umPerPixel === null ? null : round(a.scale.umPerPixel, 5),
      source: a.scale.source,
      rbcCount: a.scale.rbcCount,
      ...(a.scale.measuredUmPerPixel === undefined ? {} : { measuredUmPerPixel: round(a.scale.measuredUmPerPixel, 5) }),
    },
    detectorView: a.view,
    fusion: a.fusion.mode === 'single' ? `single:${a.members[0]?.id}` : a.fusion.mode,
    typing: a.typing,
    cells: a.cells.map((c) => ({
      class: c.cellClass,
      type: CELL_TYPES[c.type],
      leukocyte: round(c.leukocyte, 4),
      confidence: round(c.confidence, 4),
      agreement: round(c.agreement, 4),
      votes: Object.fromEntries(CELL_TYPES.map((t, i) => [t, c.votes[i]])),
      box: c.box.map((v) => round(v, 1)),
      review: c.review,
      ...(c.classProbs ? { classProbs: Object.fromEntries(Object.entries(c.classProbs).map(([k, v]) => [k, round(v, 4)])) } : {}),
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
      scale: round(a.timings.scaleMs),
      typing: round(a.timings.typingMs),
      total: round(a.timings.totalMs),
    },
  };
}

/** A quality warning as the daemon sends it (POST /api/analyze and the workflow's fields). */
export const qualityWarningSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    // No enum: a response must never fail on a stored warning that an older or newer daemon wrote.
    reason: { type: 'string', description: `scale_out_of_range only: which fix the message names (${SCALE_RANGE_REASONS.join(' | ')})` },
  },
} as const;

const typeCounts = {
  type: 'object',
  required: [...CELL_TYPES],
  properties: Object.fromEntries(CELL_TYPES.map((t) => [t, { type: 'number' }])),
} as const;

export const fieldAnalysisSchema = {
  type: 'object',
  required: ['image', 'quality', 'scale', 'detectorView', 'fusion', 'typing', 'cells', 'differential', 'members', 'timingsMs'],
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
        warnings: { type: 'array', items: qualityWarningSchema },
      },
    },
    scale: {
      type: 'object',
      required: ['umPerPixel', 'source', 'rbcCount'],
      properties: {
        umPerPixel: { type: ['number', 'null'] },
        source: { type: 'string', enum: [...SCALE_SOURCES, 'unmeasured'] },
        rbcCount: { type: 'integer' },
        measuredUmPerPixel: { type: 'number' },
      },
    },
    detectorView: {
      type: 'object',
      required: ['kind', 'tiles'],
      properties: { kind: { type: 'string', enum: ['whole', 'canvas', 'tiles'] }, tiles: { type: 'integer' } },
    },
    fusion: { type: 'string' },
    typing: { type: 'string', enum: ['classifier', 'detectors'] },
    cells: {
      type: 'array',
      items: {
        type: 'object',
        required: ['class', 'type', 'leukocyte', 'confidence', 'agreement', 'votes', 'box', 'review'],
        properties: {
          class: { type: 'string', enum: [...CELL_CLASS_NAMES] },
          type: { type: 'string', enum: [...CELL_TYPES] },
          leukocyte: { type: 'number' },
          confidence: { type: 'number' },
          agreement: { type: 'number' },
          votes: typeCounts,
          box: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 },
          review: { type: 'boolean' },
          classProbs: { type: 'object', additionalProperties: { type: 'number' } },
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
        scale: { type: 'number' },
        typing: { type: 'number' },
        total: { type: 'number' },
      },
    },
  },
} as const;
