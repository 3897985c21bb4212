/**
 * The reviewer pages under /review: list, sample, image bytes, cell crops, the sample page's script,
 * and signing a review (a plain form post). A review is the changes from the types its reviewer saw: the revision and the reviews signed
 * before the page was shown. If either moved on, nothing is signed; the page comes back with what
 * changed meanwhile and the reviewer's changes kept, to sign again with one click.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RoutesPlugin } from '../../server-common/type-provider.ts';
import { CELL_CLASSES } from '../../contracts/vocabulary.ts';
import { HubError } from '../plugins/errors.ts';
import { reviewCursorOf } from '../repo/devices.ts';
import { imageBytesAnyClinic } from '../repo/images.ts';
import { createReview, reviewsOfSample } from '../repo/reviews.ts';
import { getSample, listSamples, revisionPayload } from '../repo/samples.ts';
import { SHA256, UUID } from '../routes/schemas.ts';
import reviewerAuth, { currentReviewer } from './auth.ts';
import { CropCache } from './crops.ts';
import { REVIEW_SCRIPT_PATH } from './gallery.ts';
import { carryOver, changedMeanwhile, changesFrom, effectiveTypes, type ReportPayload } from './model.ts';
import { listPage, samplePage } from './pages.ts';
import { addSecurityHeaders } from './security-headers.ts';
import { reviewStatuses } from './worklist.ts';

const PAGE_SIZE = 50;
/** The sample page's script, read once; its ETag is its hash. */
const SCRIPT = readFileSync(new URL('./review-keys.js', import.meta.url));
const SCRIPT_ETAG = `"${createHash('sha256').update(SCRIPT).digest('hex').slice(0, 16)}"`;
const IMMUTABLE = 'private, max-age=31536000, immutable';
const sampleParams = { type: 'object', required: ['sampleId'], additionalProperties: false, properties: { sampleId: { type: 'string', pattern: UUID } } } as const;

function imageType(b: Buffer): string {
  if (b[0] === 0xff && b[1] === 0xd8) return 'image/jpeg';
  if (b.subarray(0, 4).toString('latin1') === '\x89PNG') return 'image/png';
  if (b.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (b.subarray(4, 12).toString('latin1').startsWith('ftypavi')) return 'image/avif';
  return 'image/tiff';
}

const web: RoutesPlugin = async (app) => {
  // First, so that the sign-in challenge and every refusal carry them too.
  addSecurityHeaders(app);
  await app.register(reviewerAuth);
  const db = app.hub.db;
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 512 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.get(
    '/review',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { page: { type: 'integer', minimum: 1, maximum: 100000, default: 1 } } } } },
    async (req, reply) => {
      const r = currentReviewer(req);
      const { items, total } = await listSamples(db, r.clinicId, PAGE_SIZE, (req.query.page - 1) * PAGE_SIZE);
      return reply.type('text/html; charset=utf-8').send(listPage(r.name, items, total, req.query.page, PAGE_SIZE, await reviewStatuses(db, items)));
    },
  );

  app.get(
    '/review/samples/:sampleId',
    {
      schema: {
        params: sampleParams,
        querystring: { type: 'object', additionalProperties: false, properties: { notice: { type: 'string', enum: ['signed', 'unchanged'] } } },
      },
    },
    async (req, reply) => {
      const r = currentReviewer(req);
      const sample = await getSample(db, req.params.sampleId, r.clinicId);
      if (!sample) throw new HubError(404, 'not_found', 'no such sample');
      const reviews = await reviewsOfSample(db, sample.id);
      const notices = {
        signed: 'Review signed: it goes back to the box with its next sync.',
        unchanged: 'Review signed without changes.',
      };
      const notice = req.query.notice ? notices[req.query.notice as keyof typeof notices] : null;
      return reply.type('text/html; charset=utf-8').send(samplePage(r.name, sample, reviews, await reviewCursorOf(db, sample.deviceId), notice));
    },
  );

  // The cell fields' names come from a computed pattern that json-schema-to-ts cannot read: typed by hand.
  app.post<{ Params: { sampleId: string }; Body: Record<string, string> }>(
    '/review/samples/:sampleId/reviews',
    {
      schema: {
        params: sampleParams,
        body: {
          type: 'object',
          required: ['revision'],
          additionalProperties: false,
          properties: {
            revision: { type: 'string', pattern: '^[0-9]{1,9}$' },
            reviewsSeen: { type: 'string', pattern: '^[0-9]{1,12}$' },
            comment: { type: 'string', maxLength: 2000 },
          },
          patternProperties: { [`^cell\\.${UUID.slice(1, -1)}$`]: { type: 'string', enum: [...CELL_CLASSES] } },
        },
      },
    },
    async (req, reply) => {
      const r = currentReviewer(req);
      const sample = await getSample(db, req.params.sampleId, r.clinicId);
      if (!sample) throw new HubError(404, 'not_found', 'no such sample');
      const { revision, reviewsSeen, comment, ...cells } = req.body;
      // A form from before the base was sent carries no reviewsSeen: it is stale, and comes back with its changes kept.
      const base = { revision: Number(revision), reviewsSeen: reviewsSeen === undefined ? null : Number(reviewsSeen) };
      const submitted = Object.fromEntries(Object.entries(cells).map(([k, v]) => [k.slice('cell.'.length), v]));
      const seenPayload = base.revision === sample.revision ? sample.payload : await revisionPayload(db, sample.id, base.revision);
      if (!seenPayload) throw new HubError(400, 'unknown_revision', `the hub has no revision ${base.revision} of this sample: open the sample again`);
      const reviewsThen = await reviewsOfSample(db, sample.id);
      const seen = effectiveTypes(
        seenPayload as ReportPayload,
        reviewsThen.filter((rv) => base.reviewsSeen === null || rv.seq <= base.reviewsSeen),
      );
      const changes = changesFrom(seen, submitted);
      const text = comment?.trim() || null;
      const out = await createReview(
        db,
        r.clinicId,
        { sampleId: sample.id, baseRevision: base.revision, reviewsSeen: base.reviewsSeen ?? -1, reviewer: { id: r.id, name: r.name }, changes, comment: text },
        new Date().toISOString(),
      );
      if (out.kind === 'not_found') throw new HubError(404, 'not_found', 'no such sample');
      if (out.kind === 'created') return reply.redirect(`/review/samples/${sample.id}?notice=${changes.length ? 'signed' : 'unchanged'}`, 303);
      // Stale: the page as it is now, with the reviewer's changes laid on it and what moved meanwhile.
      const now = await getSample(db, sample.id, r.clinicId);
      if (!now) throw new HubError(404, 'not_found', 'no such sample');
      const reviewsNow = await reviewsOfSample(db, sample.id);
      const since = reviewsNow.filter((rv) => base.reviewsSeen !== null && rv.seq > base.reviewsSeen);
      // The same form sent twice (a double tap, or Back then Sign): the first one was signed.
      const sameAgain = since.some((rv) => rv.reviewer.id === r.id && rv.baseRevision === base.revision && rv.comment === text && JSON.stringify(rv.changes) === JSON.stringify(changes));
      if (sameAgain) return reply.redirect(`/review/samples/${sample.id}?notice=${changes.length ? 'signed' : 'unchanged'}`, 303);
      const current = effectiveTypes(now.payload as ReportPayload, reviewsNow);
      const meanwhile = changedMeanwhile(
        seen,
        current,
        since.filter((rv) => rv.baseRevision === now.revision),
      );
      const draft = { choices: carryOver(current, changes), comment: text ?? '', mine: changes, meanwhile };
      return reply
        .code(409)
        .type('text/html; charset=utf-8')
        .send(samplePage(r.name, now, reviewsNow, await reviewCursorOf(db, now.deviceId), null, draft));
    },
  );

  app.get(
    '/review/images/:sha256',
    { schema: { params: { type: 'object', required: ['sha256'], additionalProperties: false, properties: { sha256: { type: 'string', pattern: SHA256 } } } } },
    async (req, reply) => {
      const r = currentReviewer(req);
      const bytes = await imageBytesAnyClinic(db, req.params.sha256, r.clinicId ? [r.clinicId] : null);
      if (!bytes) throw new HubError(404, 'not_found', 'no such image');
      return reply.type(imageType(bytes)).header('cache-control', IMMUTABLE).send(bytes);
    },
  );

  // One cell cut from its field photo (crops.ts), of the sample's current revision or the one named.
  const crops = new CropCache();
  app.get(
    '/review/cells/:sampleId/:cellId',
    {
      schema: {
        params: {
          type: 'object',
          required: ['sampleId', 'cellId'],
          additionalProperties: false,
          properties: { sampleId: { type: 'string', pattern: UUID }, cellId: { type: 'string', pattern: UUID } },
        },
        querystring: { type: 'object', additionalProperties: false, properties: { revision: { type: 'integer', minimum: 1, maximum: 999999999 } } },
      },
    },
    async (req, reply) => {
      const r = currentReviewer(req);
      const sample = await getSample(db, req.params.sampleId, r.clinicId);
      if (!sample) throw new HubError(404, 'not_found', 'no such sample');
      const revision = req.query.revision ?? sample.revision;
      const payload = (revision === sample.revision ? sample.payload : await revisionPayload(db, sample.id, revision)) as ReportPayload | undefined;
      const field = payload?.fields?.find((f) => f.cells.some((c) => c.id === req.params.cellId));
      if (!field) throw new HubError(404, 'not_found', 'no such cell');
      const jpeg = await crops.crop(`${sample.id}/${revision}/${field.id}`, field, req.params.cellId, () => imageBytesAnyClinic(db, field.image.sha256, [sample.clinicId]));
      if (!jpeg) throw new HubError(404, 'not_found', 'no image of this cell');
      // Named by its revision, a crop never changes; without one it is the current revision's.
      return reply
        .type('image/jpeg')
        .header('cache-control', req.query.revision ? IMMUTABLE : 'private, no-cache')
        .send(jpeg);
    },
  );

  app.get(REVIEW_SCRIPT_PATH, async (req, reply) => {
    currentReviewer(req);
    if (req.headers['if-none-match'] === SCRIPT_ETAG) return reply.code(304).send();
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'private, no-cache').header('etag', SCRIPT_ETAG).send(SCRIPT);
  });
};

export default web;
