/** Cells: list a field's cells, add a missed one, reclassify, delete a false detection, mark looked at, crop. */
import type { RoutesPlugin } from '../../../server-common/type-provider.ts';
import { CELL_CLASSES } from '../../../contracts/vocabulary.ts';
import type { BoxTuple } from '../../store/types.ts';
import { addCell, deleteCell, getCell, markCellsSeen, MAX_SEEN_PER_CALL, reclassifyCell, reviewCell } from '../../workflow/cells.ts';
import { cropKey, cropRect } from '../../workflow/derived-images.ts';
import { getField } from '../../workflow/fields.ts';
import { cellView } from '../../workflow/views.ts';
import { actorOf } from '../actor.ts';
import { cellSchema, errors, idParams, reason, reasonBody } from '../schemas/common.ts';
import { sendImmutable } from './image-reply.ts';

const cellClass = {
  type: 'string',
  enum: [...CELL_CLASSES],
  description:
    'one of the five types; band, immature_granulocyte, blast, reactive_lymphocyte (leukocytes a person names: counted, on their own rows); nrbc, smudge (not counted: per 100 leukocytes); unclassified (unidentified: counted, must be typed before sign-off); not_leukocyte (a false detection kept for the record)',
} as const;
const coordinate = { type: 'number', minimum: 0, maximum: 100_000 } as const;
const params = idParams('cellId');

const cells: RoutesPlugin = async (app) => {
  const ctx = app.workflow;

  app.get(
    '/api/fields/:fieldId/cells',
    { schema: { summary: "A field's cells", tags: ['cells'], params: idParams('fieldId'), response: { 200: { type: 'array', items: cellSchema }, ...errors } } },
    async (req) => ctx.store.cells.listByField(getField(ctx, req.params.fieldId).id).map(cellView),
  );

  app.post(
    '/api/fields/:fieldId/cells',
    {
      schema: {
        summary: 'Add a cell the detectors missed, by its box in image pixels [x1, y1, x2, y2]',
        tags: ['cells'],
        params: idParams('fieldId'),
        body: {
          type: 'object',
          required: ['box', 'type'],
          additionalProperties: false,
          properties: { box: { type: 'array', items: coordinate, minItems: 4, maxItems: 4 }, type: cellClass, reason },
        },
        response: { 201: cellSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { box, type, reason: why } = req.body;
      // The schema's minItems and maxItems make it four numbers; json-schema-to-ts types it number[].
      return reply.status(201).send(cellView(addCell(ctx, req.params.fieldId, box as BoxTuple, type, actorOf(req, why))));
    },
  );

  app.get('/api/cells/:cellId', { schema: { summary: 'One cell', tags: ['cells'], params, response: { 200: cellSchema, ...errors } } }, async (req) => cellView(getCell(ctx, req.params.cellId)));

  app.patch(
    '/api/cells/:cellId',
    {
      schema: {
        summary: 'Reclassify a cell (also marks it as looked at)',
        tags: ['cells'],
        params,
        body: { type: 'object', required: ['type'], additionalProperties: false, properties: { type: cellClass, reason } },
        response: { 200: cellSchema, ...errors },
      },
    },
    async (req) => cellView(reclassifyCell(ctx, req.params.cellId, req.body.type, actorOf(req, req.body.reason))),
  );

  app.delete(
    '/api/cells/:cellId',
    {
      schema: { summary: 'Delete a false detection', tags: ['cells'], params, body: reasonBody, response: { 204: { type: 'null' }, ...errors } },
    },
    async (req, reply) => {
      deleteCell(ctx, req.params.cellId, actorOf(req, req.body?.reason));
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/cells/:cellId/review',
    {
      schema: {
        summary: 'Mark a flagged cell as looked at, keeping its type',
        tags: ['cells'],
        params,
        body: reasonBody,
        response: { 200: cellSchema, ...errors },
      },
    },
    async (req) => cellView(reviewCell(ctx, req.params.cellId, actorOf(req, req.body?.reason))),
  );

  app.post(
    '/api/samples/:sampleId/cells/seen',
    {
      schema: {
        summary: 'A person saw these cells (a page of the review gallery) and accepts their types; signing needs every counted cell seen',
        tags: ['cells'],
        params: idParams('sampleId'),
        body: {
          type: 'object',
          required: ['cellIds'],
          additionalProperties: false,
          properties: { cellIds: { type: 'array', minItems: 1, maxItems: MAX_SEEN_PER_CALL, items: { type: 'string', maxLength: 64 } }, reason },
        },
        response: { 200: { type: 'object', properties: { seen: { type: 'integer', description: 'cells not seen before' } } }, ...errors },
      },
    },
    async (req) => markCellsSeen(ctx, req.params.sampleId, req.body.cellIds, actorOf(req, req.body.reason)),
  );

  app.get(
    '/api/cells/:cellId/crop',
    { schema: { summary: 'A JPEG crop of the cell with some context (at most 256 pixels a side)', tags: ['cells'], params, produces: ['image/jpeg'], response: errors } },
    async (req, reply) => {
      const cell = getCell(ctx, req.params.cellId);
      const field = getField(ctx, cell.fieldId);
      const jpeg = await app.derived.crop(field.imageSha256, cell.box, field.width, field.height);
      return sendImmutable(req, reply, cropKey(field.imageSha256, cropRect(cell.box, field.width, field.height)), 'image/jpeg', jpeg);
    },
  );
};

export default cells;
