/**
 * The kiosk's view of the workflow API, re-exported from src/contracts (pure types and constants,
 * nothing of Node; a relative import that Vite and `tsc -p ui` both resolve): the cell vocabulary,
 * the statuses, the event stream and the request and response shapes. Nothing is copied here: the
 * daemon declares the functions that build its replies with the same types (src/box/workflow/views.ts,
 * report.ts, the routes), so `tsc` fails on whichever side drifts from the contract.
 */

export { ATTENTION_CLASSES, CELL_CLASSES, CELL_TYPES, NON_LEUKOCYTE_CLASSES, OTHER_LEUKOCYTE_CLASSES, type CellClass, type CellType } from '../../../src/contracts/vocabulary.ts';
export { ROLES, type Role, type SampleStatus } from '../../../src/contracts/statuses.ts';

export type {
  Box,
  Cell,
  CellsSeen,
  Differential,
  DifferentialRow,
  Field,
  FieldWithCells,
  Flag,
  HubReviewNote,
  NewSample,
  QualityWarning,
  RowType,
  SampleDetail,
  SampleList,
  SampleSummary,
} from '../../../src/contracts/api/samples.ts';
export type { Credentials, FirstBootSetup, SessionInfo, SetupResult, SetupStatus, SignInPerson, User, UserPatch } from '../../../src/contracts/api/people.ts';
export type { MicroscopeCalibration, Range, ReferenceRanges, Settings } from '../../../src/contracts/api/settings.ts';
export type { DeviceHealth, EngineHealth } from '../../../src/contracts/api/device.ts';
export { HUB_STATES, type SetAsideItem, type SyncStatus } from '../../../src/contracts/api/sync.ts';
export type { Report } from '../../../src/contracts/api/report.ts';

/** GET /api/events: one JSON object per event, with the stream's id and time. */
export type { PublishedEvent as WorkflowEvent } from '../../../src/contracts/events.ts';
export { EVENT_TYPES as WORKFLOW_EVENT_TYPES } from '../../../src/contracts/events.ts';
