/**
 * The reviewer pages under /review: sign-in (sign-in.ts), the worklist, a sample, its print view,
 * image bytes, cell crops, the sample page's script, and signing a review (sign-review.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RoutesPlugin } from '../../server-common/type-provider.ts';
import { HubError } from '../plugins/errors.ts';
import { boxView } from './box-outcomes.ts';
import { listClinics } from '../repo/clinics.ts';
import { imageBytesAnyClinic } from '../repo/images.ts';
import { reviewsOfSample } from '../repo/reviews.ts';
import { holdersOf, holdSample } from '../repo/review-locks.ts';
import { getSample, listSamples, revisionPayload, type WorklistStatus } from '../repo/samples.ts';
import { SHA256, UUID } from '../routes/schemas.ts';
import reviewerAuth, { currentReviewer, sessionTimes } from './auth.ts';
import { CropCache } from './crops.ts';
import { LoginThrottle } from './login-throttle.ts';
import signIn from './sign-in.ts';
import languageRoutes, { requestLocale } from './language.ts';
import signReview from './sign-review.ts';
import { REVIEW_SCRIPT_PATH } from './gallery.ts';
import { reviewedCells, type ReportPayload } from './model.ts';
import { listPage, samplePage } from './pages.ts';
import { otherSamples } from './patient.ts';
import { printPage } from './print.ts';
import { addSecurityHeaders } from './security-headers.ts';
import { reviewStatuses } from './worklist.ts';
import { holdersBySample, openByNote, WORKLIST_STATUSES } from './worklist-view.ts';

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
  const times = sessionTimes(app.hubConfig);
  await app.register(reviewerAuth, { times });
  const db = app.hub.db;
  // Guesses at the public sign-in page must not stop a signed-in reviewer from signing: two throttles.
  const signInThrottle = new LoginThrottle();
  const signingThrottle = new LoginThrottle();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 512 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  await app.register(signIn({ throttle: signInThrottle, times }));
  await app.register(languageRoutes);
  await app.register(signReview({ signInThrottle, signingThrottle, times }));

  app.get(
    '/review',
    {
      config: { reviewerAccess: 'page' },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            page: { type: 'integer', minimum: 1, maximum: 100000, default: 1 },
            status: { type: 'string', enum: [...WORKLIST_STATUSES], default: 'to_review' },
            clinic: { type: 'string', maxLength: 200 },
          },
        },
      },
    },
    async (req, reply) => {
      const r = currentReviewer(req);
      // A clinic's reviewer sees their clinic only, whatever the address asks.
      const filter = { status: req.query.status as WorklistStatus, clinicId: r.clinicId ?? (req.query.clinic || null) };
      const { items, total } = await listSamples(db, filter, PAGE_SIZE, (req.query.page - 1) * PAGE_SIZE);
      const now = new Date();
      const view = {
        filter,
        clinics: r.clinicId ? null : await listClinics(db),
        holders: holdersBySample(
          await holdersOf(
            db,
            items.map((s) => s.id),
            r.id,
            now,
          ),
        ),
        now,
      };
      return reply.type('text/html; charset=utf-8').send(listPage(requestLocale(req), r.name, items, total, req.query.page, PAGE_SIZE, await reviewStatuses(db, items), view));
    },
  );

  app.get(
    '/review/samples/:sampleId',
    {
      config: { reviewerAccess: 'page' },
      schema: {
        params: sampleParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            notice: { type: 'string', enum: ['signed', 'unchanged'] },
            amend: { type: 'integer', minimum: 1, maximum: 2 ** 31 - 1 },
            undo: { type: 'string', enum: ['1'] },
          },
        },
      },
    },
    async (req, reply) => {
      const r = currentReviewer(req);
      const sample = await getSample(db, req.params.sampleId, r.clinicId);
      if (!sample) throw new HubError(404, 'not_found', 'no such sample');
      const reviews = await reviewsOfSample(db, sample.id);
      const amended = req.query.amend === undefined ? undefined : reviews.find((rv) => rv.seq === req.query.amend);
      if (req.query.amend !== undefined && amended?.baseRevision !== sample.revision) {
        throw new HubError(404, 'not_found', 'no such review of this sample’s current revision to amend: open the sample again');
      }
      const loc = requestLocale(req);
      const notice = req.query.notice ? loc.t(req.query.notice === 'signed' ? 'notice.signed' : 'notice.unchanged') : null;
      const others = await otherSamples(db, sample);
      // "Being reviewed by": the page shown right after signing is not a new opening (signing released the hold).
      const now = new Date();
      if (!req.query.notice) await holdSample(db, sample.id, r, now);
      const openBy = openByNote(loc, await holdersOf(db, [sample.id], r.id, now), now);
      return reply.type('text/html; charset=utf-8').send(
        samplePage(loc, r.name, sample, reviews, await boxView(db, sample.deviceId, reviews), {
          notice,
          others,
          openBy,
          amend: amended && { seq: amended.seq, undo: req.query.undo === '1' },
        }),
      );
    },
  );

  // The sample's review on paper (print.ts), under the same sign-in and clinic check as its page.
  app.get('/review/samples/:sampleId/print', { config: { reviewerAccess: 'page' }, schema: { params: sampleParams } }, async (req, reply) => {
    const r = currentReviewer(req);
    const sample = await getSample(db, req.params.sampleId, r.clinicId);
    if (!sample) throw new HubError(404, 'not_found', 'no such sample');
    return reply.type('text/html; charset=utf-8').send(printPage(requestLocale(req), r.name, sample, await reviewsOfSample(db, sample.id), new Date().toISOString()));
  });

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
      if (!payload) throw new HubError(404, 'not_found', 'no such cell');
      const cellId = req.params.cellId;
      const boxField = payload.fields?.find((f) => f.cells.some((c) => c.id === cellId));
      // Not a cell of the box's report: a cell a review of that revision added, cut from its field with the field's other added cells (the key counts them, so a field is cut again when a review adds one).
      const { key, field, cut } = boxField
        ? { key: `${sample.id}/${revision}/${boxField.id}`, field: boxField, cut: boxField }
        : await (async () => {
            const { added } = reviewedCells(payload, await reviewsOfSample(db, sample.id));
            const cell = added.find((c) => c.id === cellId);
            const on = cell && payload.fields?.find((f) => f.id === cell.fieldId);
            if (!on) throw new HubError(404, 'not_found', 'no such cell');
            const extra = added.filter((c) => c.fieldId === on.id);
            return { key: `${sample.id}/${revision}/${on.id}/added/${extra.length}`, field: on, cut: { image: on.image, cells: [...on.cells, ...extra] } };
          })();
      const jpeg = await crops.crop(key, cut, cellId, () => imageBytesAnyClinic(db, field.image.sha256, [sample.clinicId]));
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
