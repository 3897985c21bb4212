/** Fields of a sample: upload (multipart), get, image and thumbnail bytes, delete, retry, keep despite quality warnings. */
import { createReadStream } from 'node:fs';
import multipart from '@fastify/multipart';
import type { FieldWithCells } from '../../../contracts/api/samples.ts';
import type { RoutesPlugin } from '../../../server-common/type-provider.ts';
import { badRequest } from '../../workflow/errors.ts';
import { deleteField, getField, retryField } from '../../workflow/fields.ts';
import { awaitsDecision, keepField } from '../../workflow/quality-decision.ts';
import { cellView, fieldView } from '../../workflow/views.ts';
import { actorOf } from '../actor.ts';
import { errors, fieldSchema, fieldWithCellsSchema, idParams, reason, reasonBody } from '../schemas/common.ts';
import { sendImmutable } from './image-reply.ts';

/** The text parts of an upload (the file part is `image`). */
const uploadForm = {
  type: 'object',
  additionalProperties: false,
  properties: {
    capturedAt: { type: 'string', format: 'date-time' },
    reason,
    askQuality: { type: 'string', enum: ['true', 'false'], description: 'true: the uploader asks Retake or Keep on quality warnings; the field then counts once kept' },
  },
} as const;

const params = idParams('fieldId');

const fields: RoutesPlugin = async (app) => {
  const ctx = app.workflow;
  await app.register(multipart, {
    limits: { fileSize: app.config.maxUploadBytes, files: 1, fields: 4, parts: 5, fieldSize: 1024, headerPairs: 100 },
  });

  app.post(
    '/api/samples/:sampleId/fields',
    {
      schema: {
        summary: 'Upload a field photo (multipart/form-data: file part `image`; optional `capturedAt`, `reason`); 202 once stored and queued',
        description:
          'The type is read from the bytes (JPEG, PNG, WebP, TIFF, AVIF). Refusals: 413 over the size or pixel limit, 415 not an image the box reads, ' +
          '422 damaged, 409 duplicate_field when the same image is already a field of the sample, 409 overlapping_field when the photo overlaps ' +
          'a field of the sample by more than the maxFieldOverlap setting, 503 with Retry-After when the analysis queue is full, 507 when the disk is full.',
        tags: ['fields'],
        consumes: ['multipart/form-data'],
        params: idParams('sampleId'),
        response: { 202: fieldSchema, ...errors },
      },
      bodyLimit: app.config.maxUploadBytes + 64 * 1024,
      // Refuse an unknown sample or a full queue before reading a 40 MB body.
      onRequest: async (req) => app.intake.precheck((req.params as { sampleId: string }).sampleId),
    },
    async (req, reply) => {
      let image: Buffer | undefined;
      const form: Record<string, unknown> = {};
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          if (part.fieldname !== 'image') throw badRequest('invalid_request', `unexpected file part '${part.fieldname}': send the photo as the part named image`);
          image = await part.toBuffer();
        } else {
          form[part.fieldname] = part.value;
        }
      }
      const validate = req.compileValidationSchema(uploadForm);
      if (!validate(form)) {
        const e = validate.errors?.[0];
        throw badRequest(
          'invalid_request',
          `form ${e?.instancePath.slice(1) || 'fields'} ${e?.message ?? 'invalid'}${e?.params && 'additionalProperty' in e.params ? `: '${e.params.additionalProperty}'` : ''}`,
        );
      }
      if (!image) throw badRequest('invalid_request', 'no file part named image: send the photo as multipart/form-data with a part named image');
      const { capturedAt, reason: why, askQuality } = form as { capturedAt?: string; reason?: string; askQuality?: string };
      const field = await app.intake.receive(req.params.sampleId, image, capturedAt ?? null, actorOf(req, why), askQuality === 'true');
      return reply.status(202).send(fieldView(field));
    },
  );

  app.get(
    '/api/fields/:fieldId',
    { schema: { summary: 'A field with its cells', tags: ['fields'], params, response: { 200: fieldWithCellsSchema, ...errors } } },
    async (req): Promise<FieldWithCells> => {
      const field = getField(ctx, req.params.fieldId);
      return { ...fieldView(field, awaitsDecision(ctx, field)), cells: ctx.store.cells.listByField(field.id).map(cellView) };
    },
  );

  app.get('/api/fields/:fieldId/image', { schema: { summary: 'The photo as uploaded (ETag: its sha256)', tags: ['fields'], params, produces: ['image/*'], response: errors } }, async (req, reply) => {
    const field = getField(ctx, req.params.fieldId);
    const stream = createReadStream(ctx.store.images.pathOf(field.imageSha256));
    return sendImmutable(req, reply, field.imageSha256, `image/${field.format}`, stream);
  });

  app.get(
    '/api/fields/:fieldId/thumbnail',
    { schema: { summary: 'A JPEG thumbnail of the photo, 320 pixels wide', tags: ['fields'], params, produces: ['image/jpeg'], response: errors } },
    async (req, reply) => {
      const field = getField(ctx, req.params.fieldId);
      return sendImmutable(req, reply, `${field.imageSha256}-thumb`, 'image/jpeg', await app.derived.thumbnail(field.imageSha256));
    },
  );

  app.delete(
    '/api/fields/:fieldId',
    {
      schema: {
        summary: 'Remove a field (blurred, wrong slide): its cells leave the differential; the image stays for the audit',
        tags: ['fields'],
        params,
        body: reasonBody,
        response: { 204: { type: 'null' }, ...errors },
      },
    },
    async (req, reply) => {
      deleteField(ctx, req.params.fieldId, actorOf(req, req.body?.reason));
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/fields/:fieldId/keep',
    {
      schema: {
        summary: 'Keep a field despite its quality warnings (the Retake or Keep question): its cells count from now on; idempotent',
        tags: ['fields'],
        params,
        body: reasonBody,
        response: { 200: fieldSchema, ...errors },
      },
    },
    async (req) => fieldView(keepField(ctx, req.params.fieldId, actorOf(req, req.body?.reason))),
  );

  app.post(
    '/api/fields/:fieldId/retry',
    {
      schema: {
        summary: 'Queue a failed field again',
        tags: ['fields'],
        params,
        body: reasonBody,
        response: { 202: fieldSchema, ...errors },
      },
    },
    async (req, reply) => {
      const field = retryField(ctx, req.params.fieldId, actorOf(req, req.body?.reason), () => app.queue.retryAfterSeconds());
      app.queue.notify();
      return reply.status(202).send(fieldView(field));
    },
  );
};

export default fields;
