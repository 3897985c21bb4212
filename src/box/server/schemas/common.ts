/** JSON schemas shared by the workflow routes: ids, credentials, errors, and the resource shapes. */
import { ATTENTION_CLASSES, CELL_CLASSES, CELL_TYPES, NON_LEUKOCYTE_CLASSES, type CellType } from '../../../contracts/vocabulary.ts';
import { CELL_SOURCES, FIELD_STATUSES, ROLES, SAMPLE_STATUSES } from '../../store/types.ts';
import { uuid } from '../../../contracts/uuid.ts';
import { errorSchema } from '../plugins/errors.ts';
import { qualityWarningSchema } from '../../../core/analysis/field-json.ts';

export { UUID, uuid } from '../../../contracts/uuid.ts';

/** The params schema of a route with one id in its path (`:name`), typed so the route's `req.params[name]` is a string. */
export const idParams = <N extends string>(name: N) => ({ type: 'object', required: [name] as [N], additionalProperties: false, properties: { [name]: uuid } as { [K in N]: typeof uuid } }) as const;

export const reason = { type: 'string', minLength: 3, maxLength: 500, description: 'why: required to change a signed sample' } as const;
export const pin = { type: 'string', pattern: '^[0-9]{4,12}$', description: '4 to 12 digits (a new supervisor PIN: at least 6)' } as const;
export const credentials = {
  type: 'object',
  required: ['userId', 'pin'],
  additionalProperties: false,
  properties: { userId: uuid, pin },
} as const;

/** An optional JSON body holding only a reason (DELETE and action routes). */
export const reasonBody = { type: ['object', 'null'], additionalProperties: false, properties: { reason } } as const;

export const errors = { '4xx': errorSchema, '5xx': errorSchema } as const;

/**
 * Route config of every route that checks a PIN: besides each user's growing delays and the
 * box-wide guess budget (workflow/auth.ts), at most this many PIN checks a minute from one client.
 */
export const pinRateLimit = { rateLimit: { max: 30, timeWindow: 60_000 } } as const;

const nullable = (type: string) => ({ type: [type, 'null'] }) as const;
const range = { type: 'object', required: ['low', 'high'], additionalProperties: false, properties: { low: { type: 'number', minimum: 0 }, high: { type: 'number', minimum: 0 } } } as const;
const typeCounts = { type: 'object', properties: Object.fromEntries(CELL_TYPES.map((t) => [t, { type: 'integer' }])) } as const;

const referenceRange = {
  type: 'object',
  required: ['percent', 'absolute'],
  additionalProperties: false,
  properties: {
    percent: { ...range, properties: { low: { type: 'number', minimum: 0, maximum: 100 }, high: { type: 'number', minimum: 0, maximum: 100 } } },
    absolute: { anyOf: [range, { type: 'null' }] },
  },
} as const;

export const referenceRangesSchema = {
  type: 'object',
  required: [...CELL_TYPES],
  additionalProperties: false,
  properties: Object.fromEntries(CELL_TYPES.map((t) => [t, referenceRange])) as Record<CellType, typeof referenceRange>,
} as const;

export const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', enum: [...ROLES] },
    active: { type: 'boolean' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

export const cellSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    fieldId: { type: 'string' },
    box: { type: 'array', items: { type: 'number' } },
    type: { type: 'string', enum: [...CELL_CLASSES] },
    autoType: nullable('string'),
    confidence: nullable('number'),
    agreement: nullable('number'),
    votes: { anyOf: [typeCounts, { type: 'null' }] },
    flagged: { type: 'boolean', description: 'the analysis is unsure (split votes, an unsure, unusual or scale-less type): a person must look at it before sign-off' },
    reviewed: { type: 'boolean' },
    source: { type: 'string', enum: [...CELL_SOURCES] },
    changedBy: nullable('string'),
    changedAt: nullable('string'),
    changedByReviewer: nullable('string'),
    reviewedBy: nullable('string'),
    reviewedAt: nullable('string'),
  },
} as const;

export const fieldSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    sampleId: { type: 'string' },
    seq: { type: 'integer' },
    status: { type: 'string', enum: [...FIELD_STATUSES] },
    error: nullable('string'),
    attempts: { type: 'integer' },
    image: {
      type: 'object',
      properties: { sha256: { type: 'string' }, width: { type: 'integer' }, height: { type: 'integer' }, format: { type: 'string' }, bytes: { type: 'integer' } },
    },
    awaitingDecision: { type: 'boolean', description: 'analysed with quality warnings and not kept yet: its cells do not count; POST /api/fields/:fieldId/keep' },
    quality: {
      anyOf: [
        {
          type: 'object',
          properties: {
            metrics: { type: 'object', additionalProperties: { type: 'number' } },
            warnings: { type: 'array', items: qualityWarningSchema },
          },
        },
        { type: 'null' },
      ],
    },
    analysis: {
      anyOf: [
        {
          type: 'object',
          properties: {
            fusion: { type: 'string' },
            backend: { type: 'string' },
            models: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, sha256: { type: 'string' } } } },
            modelSet: { type: 'string', description: 'the version of the model set that analysed the field; absent before model sets were versioned' },
            totalMs: { type: 'number' },
            scale: {
              type: 'object',
              properties: {
                umPerPixel: { type: ['number', 'null'] },
                source: { type: 'string' },
                rbcCount: { type: 'integer' },
                measuredUmPerPixel: { type: 'number' },
              },
            },
            typing: { type: 'string' },
          },
        },
        { type: 'null' },
      ],
    },
    capturedAt: { type: 'string' },
    uploadedBy: nullable('string'),
    analysedAt: nullable('string'),
  },
} as const;

export const fieldWithCellsSchema = { ...fieldSchema, properties: { ...fieldSchema.properties, cells: { type: 'array', items: cellSchema } } } as const;

const flagSchema = { type: ['string', 'null'], enum: ['low', 'high', null] } as const;

export const differentialSchema = {
  type: 'object',
  properties: {
    counted: { type: 'integer' },
    target: { type: 'integer' },
    targetReached: { type: 'boolean' },
    rows: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          type: { type: 'string' },
          count: { type: 'integer' },
          percent: { type: 'number' },
          ci95: { anyOf: [range, { type: 'null' }] },
          absolute: nullable('number'),
          range: { anyOf: [{ type: 'object', properties: { percent: range, absolute: { anyOf: [range, { type: 'null' }] } } }, { type: 'null' }] },
          flag: flagSchema,
          absoluteFlag: flagSchema,
        },
      },
    },
    nonLeukocytes: {
      type: 'array',
      description: 'NRBC and smudge cells: not leukocytes in the count, each per 100 leukocytes counted',
      items: { type: 'object', properties: { type: { type: 'string', enum: [...NON_LEUKOCYTE_CLASSES] }, count: { type: 'integer' }, per100: nullable('number') } },
    },
    notLeukocyte: { type: 'integer' },
    attention: {
      type: 'array',
      description: "classes present that need a haematologist's attention",
      items: { type: 'object', properties: { type: { type: 'string', enum: [...ATTENTION_CLASSES] }, count: { type: 'integer' } } },
    },
    wbcCount: nullable('number'),
    review: {
      type: 'object',
      properties: {
        flagged: { type: 'integer' },
        reviewed: { type: 'integer' },
        pending: { type: 'integer' },
        pendingCellIds: { type: 'array', items: { type: 'string' } },
        unseen: { type: 'integer' },
      },
    },
    flags: { type: 'array', items: { type: 'string' } },
  },
} as const;

const syncSchema = {
  type: 'object',
  properties: {
    state: { type: 'string', enum: ['unsigned', 'queued', 'retrying', 'synced'] },
    revision: nullable('integer'),
    attempts: { type: 'integer' },
    lastError: nullable('string'),
    deliveredAt: nullable('string'),
    setAside: { type: 'boolean', description: 'set aside by the sync (lastError says why) until a person puts it back' },
  },
} as const;

export const sampleSummarySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    reference: { type: 'string' },
    patientId: nullable('string'),
    collectedAt: nullable('string'),
    status: { type: 'string', enum: [...SAMPLE_STATUSES] },
    revision: { type: 'integer' },
    wbcCount: nullable('number'),
    createdBy: nullable('string'),
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    signedBy: nullable('string'),
    signedAt: nullable('string'),
    signedRevision: nullable('integer'),
    amended: { type: 'boolean' },
    fieldCount: { type: 'integer' },
    pendingFields: { type: 'integer' },
    counted: { type: 'integer' },
    reviewPending: { type: 'integer' },
    sync: syncSchema,
    hubReview: {
      anyOf: [
        {
          type: 'object',
          description: 'the newest review of the sample signed at the hub and taken in here: applied, or refused as a conflict (nothing applied, back to review)',
          properties: {
            reviewer: { type: 'string' },
            at: { type: 'string' },
            outcome: { type: 'string', enum: ['applied', 'conflict'] },
            why: { anyOf: [{ type: 'string', enum: ['signed_since', 'cells_changed', 'earlier_review_not_applied'] }, { type: 'null' }] },
            cells: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  field: nullable('integer'),
                  from: { type: 'string' },
                  to: { type: 'string' },
                  op: { type: 'string', enum: ['add', 'delete'], description: 'the review added the cell, or removed it as a duplicate' },
                },
              },
            },
          },
        },
        { type: 'null' },
      ],
    },
  },
} as const;

export const sampleDetailSchema = {
  ...sampleSummarySchema,
  properties: { ...sampleSummarySchema.properties, fields: { type: 'array', items: fieldWithCellsSchema }, differential: differentialSchema },
} as const;

export const auditEntrySchema = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    at: { type: 'string' },
    sampleId: nullable('string'),
    revision: nullable('integer'),
    userId: nullable('string'),
    action: { type: 'string' },
    target: nullable('string'),
    detail: { type: 'object', additionalProperties: true },
    reason: nullable('string'),
  },
} as const;
