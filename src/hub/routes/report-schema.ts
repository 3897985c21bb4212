/**
 * JSON schema of the sample report a box sends with each revision (src/box/workflow/report.ts), as far
 * as the hub stores, lists and renders it: every part the reviewer page reads is typed and
 * bounded, so a malformed report is refused at the door (400) instead of breaking the page later.
 * Parts the hub does not read (analysis, amendments, software...) may be present and are kept as
 * sent. A cell's class is any well-formed class name: a box of a newer version may know classes
 * this hub does not, and its reports must not be refused for it (the pages show such a class by
 * its name).
 */
import { sha256, uuid } from './schemas.ts';

const MAX_INT = 2 ** 31 - 1;
const count = { type: 'integer', minimum: 0, maximum: MAX_INT } as const;
const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const nullableText = (maxLength: number) => ({ type: ['string', 'null'], maxLength }) as const;
const cellClass = { type: 'string', pattern: '^[a-z][a-z_]{0,39}$' } as const;
const coordinate = { type: 'number', minimum: -1e6, maximum: 1e6 } as const;

const cell = {
  type: 'object',
  required: ['id', 'box', 'type', 'autoType', 'confidence', 'flagged'],
  properties: {
    id: uuid,
    box: { type: 'array', minItems: 4, maxItems: 4, items: coordinate },
    type: cellClass,
    autoType: nullableText(64),
    confidence: { type: ['number', 'null'], minimum: 0, maximum: 1 },
    flagged: { type: 'boolean' },
  },
} as const;

const field = {
  type: 'object',
  required: ['id', 'seq', 'image', 'cells'],
  properties: {
    id: uuid,
    seq: { type: 'integer', minimum: 0, maximum: MAX_INT },
    image: {
      type: 'object',
      required: ['sha256', 'width', 'height'],
      properties: { sha256, width: { type: 'integer', minimum: 1, maximum: 1e6 }, height: { type: 'integer', minimum: 1, maximum: 1e6 } },
    },
    cells: { type: 'array', maxItems: 10000, items: cell },
  },
} as const;

const differential = {
  type: 'object',
  properties: {
    counted: count,
    rows: {
      type: 'array',
      maxItems: 100,
      items: { type: 'object', required: ['type', 'count', 'percent'], properties: { type: cellClass, count, percent: { type: 'number', minimum: 0, maximum: 100 } } },
    },
    nonLeukocytes: {
      type: 'array',
      maxItems: 100,
      items: { type: 'object', required: ['type', 'count', 'per100'], properties: { type: cellClass, count, per100: { type: ['number', 'null'], minimum: 0, maximum: 1e9 } } },
    },
    attention: { type: 'array', maxItems: 100, items: { type: 'object', required: ['type', 'count'], properties: { type: cellClass, count } } },
    flags: { type: 'array', maxItems: 200, items: text(2000) },
  },
} as const;

export const reportSchema = {
  type: 'object',
  required: ['kind', 'sample'],
  properties: {
    kind: { type: 'string', const: 'leukodiff.report' },
    schemaVersion: { type: 'integer', minimum: 1, maximum: 1000 },
    sample: {
      type: 'object',
      required: ['id', 'revision', 'reference'],
      properties: {
        id: uuid,
        revision: { type: 'integer', minimum: 1, maximum: MAX_INT },
        reference: text(200),
        patientId: nullableText(200),
        collectedAt: nullableText(64),
        wbcCount: { type: ['number', 'null'], minimum: 0, maximum: 1e6 },
      },
    },
    differential,
    fields: { type: 'array', maxItems: 1000, items: field },
    people: {
      type: 'object',
      properties: {
        signedBy: { type: ['object', 'null'], properties: { name: text(200), at: nullableText(64) } },
      },
    },
  },
} as const;

/** The images a report's fields show (each must be at the hub before the report is accepted). */
export function reportImages(payload: { fields?: { image: { sha256: string } }[] }): string[] {
  return (payload.fields ?? []).map((f) => f.image.sha256);
}
