/**
 * The daemon, the hub and the kiosk share src/contracts instead of copies: one id pattern for both
 * programs, the event stream's types and the API's shapes imported by the kiosk, the daemon's reply
 * builders declared with those shapes, and route types derived from the same JSON schemas that are
 * validated at run time (the expectTypeOf checks are enforced by `tsc --noEmit`).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Report } from '../../src/contracts/api/report.ts';
import type { Cell, Field, SampleDetail, SampleSummary } from '../../src/contracts/api/samples.ts';
import { EVENT_TYPES, type PublishedEvent } from '../../src/contracts/events.ts';
import { UUID } from '../../src/contracts/uuid.ts';
import { UUID as HUB_UUID } from '../../src/hub/routes/schemas.ts';
import type { FromRequestSchema } from '../../src/server-common/type-provider.ts';
import { credentials, idParams, reasonBody, UUID as DAEMON_UUID } from '../../src/box/server/schemas/common.ts';
import type { Credentials } from '../../src/box/workflow/auth.ts';
import type { Published } from '../../src/box/workflow/events.ts';
import type { buildReport } from '../../src/box/workflow/report.ts';
import type { cellView, fieldView, sampleDetail, sampleSummary } from '../../src/box/workflow/views.ts';
import { WORKFLOW_EVENT_TYPES, type Report as UiReport, type SampleDetail as UiSampleDetail, type WorkflowEvent as UiWorkflowEvent } from '../../ui/src/api/types.ts';
import { ROOT } from '../helpers/paths.ts';

describe('one UUID pattern', () => {
  it('the daemon and the hub validate ids with the contracts pattern', () => {
    expect(DAEMON_UUID).toBe(UUID);
    expect(HUB_UUID).toBe(UUID);
  });

  it('accepts every id randomUUID makes and refuses upper case, the nil UUID and version 0', () => {
    const re = new RegExp(UUID);
    for (let i = 0; i < 100; i++) expect(randomUUID()).toMatch(re);
    const id = randomUUID();
    for (const bad of [id.toUpperCase(), '00000000-0000-0000-0000-000000000000', `${id.slice(0, 14)}0${id.slice(15)}`, `${id}/..`]) expect(bad).not.toMatch(re);
  });
});

describe('the event stream', () => {
  it('the kiosk imports the event union from src/contracts instead of copying it', () => {
    const text = readFileSync(path.join(ROOT, 'ui/src/api/types.ts'), 'utf8');
    expect(text).toMatch(/from '\.\.\/\.\.\/\.\.\/src\/contracts\/events\.ts'/);
    expect(text).not.toMatch(/type: 'field\.queued'/);
    expect(WORKFLOW_EVENT_TYPES).toBe(EVENT_TYPES);
  });

  it('the daemon publishes and the kiosk reads the same type', () => {
    expectTypeOf<UiWorkflowEvent>().toEqualTypeOf<PublishedEvent>();
    expectTypeOf<Published>().toEqualTypeOf<PublishedEvent>();
  });
});

describe('the API shapes', () => {
  it('the kiosk re-exports them from src/contracts and declares none of its own', () => {
    const text = readFileSync(path.join(ROOT, 'ui/src/api/types.ts'), 'utf8');
    expect(text).toMatch(/from '\.\.\/\.\.\/\.\.\/src\/contracts\/api\/samples\.ts'/);
    expect(text).not.toMatch(/^\s*(export\s+)?(interface|type\s+\w+\s*=)/m);
    expectTypeOf<UiSampleDetail>().toEqualTypeOf<SampleDetail>();
    expectTypeOf<UiReport>().toEqualTypeOf<Report>();
  });

  it('the daemon builds its replies as the contract types', () => {
    expectTypeOf<ReturnType<typeof cellView>>().toEqualTypeOf<Cell>();
    expectTypeOf<ReturnType<typeof fieldView>>().toEqualTypeOf<Field>();
    expectTypeOf<ReturnType<typeof sampleSummary>>().toEqualTypeOf<SampleSummary>();
    expectTypeOf<ReturnType<typeof sampleDetail>>().toEqualTypeOf<SampleDetail>();
    expectTypeOf<ReturnType<typeof buildReport>>().toEqualTypeOf<Report>();
  });
});

describe('route types derived from the schemas', () => {
  it('the credentials body is the workflow type, an id path the id, a reason body optional', () => {
    expectTypeOf<FromRequestSchema<typeof credentials>>().toEqualTypeOf<Credentials>();
    const params = idParams('sampleId');
    expectTypeOf<FromRequestSchema<typeof params>>().toEqualTypeOf<{ sampleId: string }>();
    expectTypeOf<FromRequestSchema<typeof reasonBody>>().toEqualTypeOf<{ reason?: string } | null>();
    expect(params.required).toEqual(['sampleId']);
  });
});
