/**
 * POST /review/samples/:sampleId/reviews: signing a review. A review is the changes from the types its
 * reviewer saw: the revision and the reviews signed before the page was shown. If either moved on,
 * nothing is signed; the page comes back with what changed meanwhile and the reviewer's changes
 * kept, to sign again with one click.
 *
 * Signing is a signature: the reviewer's password every time. Within a session it is throttled per
 * reviewer (so guesses at the public sign-in page cannot stop a signed-in reviewer from signing).
 * A reviewer whose session timed out or ended while looking at a sample loses nothing: the form
 * comes back as a sign-in page that holds only what they posted (no sample data before the password
 * is right), and the right password there opens a new session and signs.
 */
import type { FastifyReply } from 'fastify';
import type { RoutesPlugin } from '../../server-common/type-provider.ts';
import { CELL_CLASSES } from '../../contracts/vocabulary.ts';
import { MAX_ADDED_CELLS_PER_REVIEW } from '../../contracts/hub-protocol.ts';
import { HubError } from '../plugins/errors.ts';
import type { SessionTimes } from '../repo/reviewer-sessions.ts';
import type { Reviewer } from '../repo/reviewers.ts';
import { createReview, reviewsOfSample } from '../repo/reviews.ts';
import { releaseSample } from '../repo/review-locks.ts';
import { getSample, revisionPayload } from '../repo/samples.ts';
import { UUID } from '../routes/schemas.ts';
import { boxView } from './box-outcomes.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { additionChanges, carryOver, changedMeanwhile, changesFrom, effectiveTypes, REMOVE_CHOICE, type NewCell, type ReportPayload } from './model.ts';
import { samplePage, type Refusal } from './pages.ts';
import { checkPassword, signInToSignPage, startSession } from './sign-in.ts';
import type { Locale } from './i18n/locale.ts';
import { requestLocale } from './language.ts';

const body = {
  type: 'object',
  required: ['revision'],
  additionalProperties: false,
  properties: {
    revision: { type: 'string', pattern: '^[0-9]{1,9}$' },
    reviewsSeen: { type: 'string', pattern: '^[0-9]{1,12}$' },
    comment: { type: 'string', maxLength: 2000 },
    amends: { type: 'string', pattern: '^[0-9]{1,10}$' },
    password: { type: 'string', maxLength: 200 },
    // Only on the sign-in-to-sign page, for a reviewer without a session.
    login: { type: 'string', maxLength: 200 },
  },
  patternProperties: {
    [`^cell\\.${UUID.slice(1, -1)}$`]: { type: 'string', enum: [...CELL_CLASSES, REMOVE_CHOICE] },
    // A missed cell placed on a field photo (the page's script adds these): its field, its box "x1,y1,x2,y2" in the photo's pixels, its type.
    '^add\\.[0-9]{1,3}\\.field$': { type: 'string', pattern: UUID },
    '^add\\.[0-9]{1,3}\\.box$': { type: 'string', pattern: '^[0-9]{1,6}(,[0-9]{1,6}){3}$' },
    '^add\\.[0-9]{1,3}\\.type$': { type: 'string', enum: [...CELL_CLASSES] },
  },
} as const;

/** The missed cells a form adds, checked against the fields of the revision its reviewer saw. */
function newCellsOf(form: Record<string, string>, payload: ReportPayload): NewCell[] {
  const keys = [...new Set(Object.keys(form).flatMap((k) => /^add\.([0-9]+)\./.exec(k)?.[1] ?? []))].sort((a, b) => Number(a) - Number(b));
  if (keys.length > MAX_ADDED_CELLS_PER_REVIEW) throw new HubError(400, 'too_many_added_cells', `a review adds at most ${MAX_ADDED_CELLS_PER_REVIEW} cells: sign these in two reviews`);
  return keys.map((k) => {
    const [fieldId, boxText, type] = ['field', 'box', 'type'].map((part) => form[`add.${k}.${part}`]);
    if (!fieldId || !boxText || !type) throw new HubError(400, 'incomplete_added_cell', `added cell ${Number(k) + 1} needs its field, its box and its type`);
    const field = payload.fields?.find((f) => f.id === fieldId);
    if (!field) throw new HubError(400, 'unknown_field', `added cell ${Number(k) + 1} is on a field this revision of the sample does not have: open the sample again`);
    const box = boxText.split(',').map(Number) as [number, number, number, number];
    const [x1, y1, x2, y2] = box;
    const { width, height } = field.image;
    if (x2 > width || y2 > height || x2 - x1 < 4 || y2 - y1 < 4) {
      throw new HubError(400, 'box_outside_image', `added cell ${Number(k) + 1}: box [${box.join(', ')}] is not inside the ${width}x${height} photo of field ${field.seq}, at least 4 pixels each way`);
    }
    return { fieldId, box, type };
  });
}

const html = (reply: FastifyReply, code: number, page: string) => reply.code(code).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);

export default (opts: { signInThrottle: LoginThrottle; signingThrottle: LoginThrottle; times: SessionTimes }): RoutesPlugin =>
  async (app) => {
    const db = app.hub.db;

    /** Without an active session: who signs, proved by the password before anything of the sample is shown. */
    async function signInToSign(req: { idleReviewer: Reviewer | null; cookies: Record<string, string | undefined>; protocol: string }, reply: FastifyReply, form: Record<string, string>, loc: Locale) {
      const { password, login: posted, ...kept } = form;
      const login = req.idleReviewer?.login ?? posted;
      const again = (code: number, why: Parameters<typeof signInToSignPage>[2]) => html(reply, code, signInToSignPage(loc, kept, why, req.idleReviewer?.name ?? null, posted ?? ''));
      if (!login || !password) return { reply: again(401, req.idleReviewer ? 'idle' : 'ended') };
      const check = await checkPassword(opts.signInThrottle, db, login, password);
      if (check.kind === 'wait') return { reply: again(429, { waitS: check.retryAfterS }) };
      if (check.kind === 'wrong') return { reply: again(401, 'wrong') };
      await startSession(db, req, reply, check.reviewer, opts.times);
      return { reviewer: check.reviewer };
    }

    // The cell fields' names come from a computed pattern that json-schema-to-ts cannot read: typed by hand.
    app.post<{ Params: { sampleId: string }; Body: Record<string, string> }>(
      '/review/samples/:sampleId/reviews',
      {
        config: { reviewerAccess: 'sign' },
        schema: { params: { type: 'object', required: ['sampleId'], additionalProperties: false, properties: { sampleId: { type: 'string', pattern: UUID } } }, body },
      },
      async (req, reply) => {
        let r = req.reviewer;
        const loc = requestLocale(req);
        if (!r) {
          const out = await signInToSign(req, reply, req.body, loc);
          if ('reply' in out) return out.reply;
          r = out.reviewer;
        }
        const reviewer = r;
        const sample = await getSample(db, req.params.sampleId, reviewer.clinicId);
        if (!sample) throw new HubError(404, 'not_found', 'no such sample');
        const { revision, reviewsSeen, comment, password, amends: amendsField, login: _login, ...choices } = req.body;
        const cells = Object.fromEntries(Object.entries(choices).filter(([k]) => k.startsWith('cell.')));
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
        const added = newCellsOf(req.body, seenPayload as ReportPayload);
        const changes = [...changesFrom(seen, submitted), ...additionChanges(added, { sampleId: sample.id, ...base, reviewerId: reviewer.id })];
        const text = comment?.trim() || null;
        const amends = amendsField === undefined ? null : Number(amendsField);
        if (amends !== null && !reviewsThen.some((rv) => rv.seq === amends)) throw new HubError(400, 'unknown_review', `this sample has no review ${amends} to amend: open the sample again`);
        const signedPage = () => reply.redirect(`/review/samples/${sample.id}?notice=${changes.length ? 'signed' : 'unchanged'}`, 303);
        const reviewsAfterBase = async () => {
          const all = await reviewsOfSample(db, sample.id);
          return { all, since: all.filter((rv) => base.reviewsSeen !== null && rv.seq > base.reviewsSeen) };
        };

        // Not signed: the page as it is now, with the reviewer's changes laid on it and what moved meanwhile.
        const refused = async (code: number, refusal: Refusal) => {
          const now = await getSample(db, sample.id, reviewer.clinicId);
          if (!now) throw new HubError(404, 'not_found', 'no such sample');
          const { all, since } = await reviewsAfterBase();
          const current = effectiveTypes(now.payload as ReportPayload, all);
          const meanwhile = changedMeanwhile(
            seen,
            current,
            since.filter((rv) => rv.baseRevision === now.revision),
          );
          // Refused for another reason, on a base that moved too: the reviewer is told both.
          const stale = refusal.kind === 'stale' || now.revision !== base.revision || base.reviewsSeen === null || since.length > 0;
          // Additions on a field the current revision no longer has are dropped (listed as not kept).
          const fieldsNow = new Set(((now.payload as ReportPayload).fields ?? []).map((f) => f.id));
          const draft = { refusal, stale, amends, choices: carryOver(current, changes), added: added.filter((a) => fieldsNow.has(a.fieldId)), comment: text ?? '', mine: changes, meanwhile };
          return html(reply, code, samplePage(loc, reviewer.name, now, all, await boxView(db, now.deviceId, all), { draft }));
        };

        // An amendment says why. The password: checked above for a reviewer who had to sign in again.
        if (amends !== null && !text) return refused(400, { kind: 'no_reason' });
        if (req.reviewer) {
          if (!password) return refused(401, { kind: 'no_password' });
          const check = await checkPassword(opts.signingThrottle, db, reviewer.login, password, reviewer.id);
          if (check.kind === 'wait') return refused(429, { kind: 'wait', retryAfterS: check.retryAfterS });
          if (check.kind === 'wrong' || check.reviewer.id !== reviewer.id) return refused(401, { kind: 'wrong_password' });
        }

        const out = await createReview(
          db,
          reviewer.clinicId,
          { sampleId: sample.id, baseRevision: base.revision, reviewsSeen: base.reviewsSeen ?? -1, reviewer: { id: reviewer.id, name: reviewer.name }, changes, comment: text, amends },
          new Date().toISOString(),
        );
        if (out.kind === 'not_found') throw new HubError(404, 'not_found', 'no such sample');
        if (out.kind === 'created') {
          await releaseSample(db, sample.id, reviewer.id);
          return signedPage();
        }
        // The same form sent twice (a double tap, or Back then Sign): the first one was signed.
        const { since } = await reviewsAfterBase();
        const sameAgain = since.some((rv) => rv.reviewer.id === reviewer.id && rv.baseRevision === base.revision && rv.comment === text && JSON.stringify(rv.changes) === JSON.stringify(changes));
        if (sameAgain) return signedPage();
        return refused(409, { kind: 'stale' });
      },
    );
  };
