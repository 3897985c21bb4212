/** The shapes of the workflow API (src/box/server/routes, schemas/common.ts) as the kiosk reads them; what src/contracts holds is imported, not copied. */

import type { AttentionClass, CellClass, CellType, NonLeukocyteClass, OtherLeukocyteClass } from '../../../src/contracts/vocabulary.ts';
import type { CellSource, FieldStatus, Role, SampleStatus } from '../../../src/contracts/statuses.ts';

/** The cell vocabulary, the statuses and the event stream, shared with the daemon (src/contracts: pure types and constants, nothing of Node). */
export {
  ATTENTION_CLASSES,
  CELL_CLASSES,
  CELL_TYPES,
  NON_LEUKOCYTE_CLASSES,
  OTHER_LEUKOCYTE_CLASSES,
  type AttentionClass,
  type CellClass,
  type CellType,
  type NonLeukocyteClass,
  type OtherLeukocyteClass,
} from '../../../src/contracts/vocabulary.ts';

/** Rows of the differential: the leukocytes of the count (the five, the others, unidentified). */
export type RowType = CellType | OtherLeukocyteClass | 'unclassified';

export type { CellSource, FieldStatus, Role, SampleStatus } from '../../../src/contracts/statuses.ts';
export { ROLES } from '../../../src/contracts/statuses.ts';
export type SyncStateName = 'unsigned' | 'queued' | 'retrying' | 'synced';
export type Box = [number, number, number, number];

export interface Range {
  low: number;
  high: number;
}

export interface SyncState {
  state: SyncStateName;
  revision: number | null;
  attempts: number;
  lastError: string | null;
  deliveredAt: string | null;
  /** Refused by the hub or failing again and again: waits for a person, the rest goes on. */
  setAside?: boolean;
}

export type HubState = 'disabled' | 'starting' | 'syncing' | 'idle' | 'offline' | 'failing' | 'unauthorised' | 'stopped';
export const HUB_STATES: readonly HubState[] = ['disabled', 'starting', 'syncing', 'idle', 'offline', 'failing', 'unauthorised', 'stopped'];

/** GET /api/sync */
export interface SyncStatus {
  enabled: boolean;
  /** Why the sync is off. */
  reason: string | null;
  state: HubState;
  hub: string | null;
  lastError: string | null;
  lastContactAt: string | null;
  lastDeliveryAt: string | null;
  nextAttemptAt: string | null;
  failures: number;
  backlog: { pending: number; setAside: number; oldestPendingAt: string | null };
}

/** GET /api/sync/set-aside */
export interface SetAsideItem {
  outboxId: number;
  sampleId: string;
  reference: string | null;
  revision: number;
  code: string;
  reason: string;
  at: string;
  attempts: number;
}

export interface SampleSummary {
  id: string;
  reference: string;
  patientId: string | null;
  collectedAt: string | null;
  status: SampleStatus;
  revision: number;
  wbcCount: number | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  signedBy: string | null;
  signedAt: string | null;
  signedRevision: number | null;
  amended: boolean;
  fieldCount: number;
  pendingFields: number;
  counted: number;
  reviewPending: number;
  sync: SyncState;
}

export interface Cell {
  id: string;
  fieldId: string;
  /** Image pixels x1, y1, x2, y2. */
  box: Box;
  type: CellClass;
  /** What the analysis called the cell: one of the five types, or immature_granulocyte, erythroblast, unidentified, not_leukocyte. */
  autoType: string | null;
  confidence: number | null;
  agreement: number | null;
  /** Member detections per type; null for a cell a person added. */
  votes: Record<CellType, number> | null;
  flagged: boolean;
  reviewed: boolean;
  source: CellSource;
  changedBy: string | null;
  changedAt: string | null;
  reviewedBy: string | null;
  reviewedAt: string | null;
}

export interface QualityWarning {
  code: string;
  message: string;
}

export interface Field {
  id: string;
  sampleId: string;
  seq: number;
  status: FieldStatus;
  error: string | null;
  attempts: number;
  image: { sha256: string; width: number; height: number; format: string; bytes: number };
  quality: { metrics: Record<string, number>; warnings: QualityWarning[] } | null;
  /** Analysed with quality warnings and nobody answered Retake or Keep yet: its cells do not count. */
  awaitingDecision?: boolean;
  analysis: {
    fusion: string;
    backend: string;
    models: { id: string; sha256: string }[];
    totalMs: number;
    /** The field's scale: measured from its red cells, the microscope's calibration, or given. */
    scale?: { umPerPixel: number | null; source: string; rbcCount: number; measuredUmPerPixel?: number };
    typing?: string;
  } | null;
  capturedAt: string;
  uploadedBy: string | null;
  analysedAt: string | null;
}

export interface FieldWithCells extends Field {
  cells: Cell[];
}

export type Flag = 'low' | 'high' | null;

export interface DifferentialRow {
  type: RowType;
  count: number;
  percent: number;
  ci95: Range | null;
  absolute: number | null;
  range: { percent: Range; absolute: Range | null } | null;
  flag: Flag;
  absoluteFlag: Flag;
}

export interface Differential {
  counted: number;
  target: number;
  targetReached: boolean;
  rows: DifferentialRow[];
  /** NRBC and smudge cells, outside the count (absent from a daemon before these classes). */
  nonLeukocytes?: { type: NonLeukocyteClass; count: number; per100: number | null }[];
  notLeukocyte: number;
  /** Blasts, immature granulocytes, NRBC present. */
  attention?: { type: AttentionClass; count: number }[];
  wbcCount: number | null;
  /** `unseen`: counted cells the analysis typed that no person has seen yet (signing needs 0). */
  review: { flagged: number; reviewed: number; pending: number; pendingCellIds: string[]; unseen: number };
  flags: string[];
}

export interface SampleDetail extends SampleSummary {
  fields: FieldWithCells[];
  differential: Differential;
}

export interface SampleList {
  items: SampleSummary[];
  total: number;
  limit: number;
  offset: number;
}

export interface NewSample {
  id: string;
  reference: string;
  patientId?: string | null;
  wbcCount?: number | null;
}

export interface User {
  id: string;
  name: string;
  role: Role;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A user as the "Who is working?" screen shows them. */
export interface SignInPerson {
  id: string;
  name: string;
  role: Role;
}

export interface SessionInfo {
  user: SignInPerson;
  expiresAt: string;
  idleLockMinutes: number;
  /** A supervisor's PIN is shorter than 6 digits: ask for a new one. */
  pinChangeRequired: boolean;
}

export interface SetupStatus {
  needed: boolean;
  hubUrl: string | null;
  /** This browser's session; null: nobody signed in. */
  session: SessionInfo | null;
}

export interface Credentials {
  userId: string;
  pin: string;
}

export type ReferenceRanges = Record<CellType, { percent: Range; absolute: Range | null }>;

export interface Settings {
  targetCount: number;
  referenceRanges: ReferenceRanges;
  /** Largest share (0.05..0.95) of a new field that may show an earlier field of the sample; more is refused (409 overlapping_field). */
  maxFieldOverlap: number;
  /** Minutes without a tap before the kiosk locks. */
  idleLockMinutes?: number;
  language?: 'en' | 'fr';
  /** The box's microscope scale, from the measured fields of one normal sample; null until calibrated. */
  microscopeCalibration?: MicroscopeCalibration | null;
}

export interface MicroscopeCalibration {
  umPerPixel: number;
  fields: number;
  spread: number;
  sampleId: string;
  sampleReference: string;
  at: string;
  by: string;
}

export interface DeviceHealth {
  version: string;
  backend: { name: string; reason: string };
  cpu: { cores: number; loadPercent: number | null; loadAverage: number[]; temperatureC: number | null };
  memory: { totalMB: number; availableMB: number };
  disk: { path: string; totalMB: number; freeMB: number };
  gpu: { name: string; loadPercent: number | null; temperatureC: number | null; memoryUsedMB: number | null; memoryTotalMB: number | null }[];
  uptimeSeconds: { system: number; daemon: number };
  queue: { length: number; capacity: number };
  outbox: { pending: number };
}

export interface EngineHealth {
  status: 'ok';
  version: string;
  backend: { name: string; reason: string };
  models: { id: string; sha256: string; input: number[] }[];
  ensemble: { members: string[]; mode: string; iou?: number };
  uptimeSeconds: number;
}

interface Person {
  id: string;
  name: string;
}

/** GET /api/samples/:id/report: the parts the kiosk's report screen shows. */
export interface Report {
  generatedAt: string;
  software: { name: string; version: string };
  sample: {
    id: string;
    reference: string;
    patientId: string | null;
    collectedAt: string | null;
    createdAt: string;
    status: SampleStatus;
    revision: number;
    signedRevision: number | null;
    amended: boolean;
    wbcCount: number | null;
  };
  differential: Differential;
  fields: { id: string; seq: number; status: FieldStatus; warnings: QualityWarning[]; cells: Cell[] }[];
  people: {
    createdBy: Person | null;
    photographedBy: Person[];
    correctedBy: Person[];
    /** shortReason: why the signed revision was signed below the target count. */
    signedBy: (Person & { at: string | null; revision: number | null; shortReason?: string | null }) | null;
  };
  amendments: { at: string; revision: number | null; action: string; by: Person | null; reason: string }[];
  analysis: {
    models: { id: string; sha256: string }[];
    fusion: string[];
    backend: string[];
    /** Median um per pixel of the fields with a scale, and how many fields got theirs from where. */
    scales?: { umPerPixel: number | null; measured: number; calibrated: number; given: number; unmeasured: number };
  };
  disclaimer: string;
}

/** GET /api/events: one JSON object per event, with the stream's id and time. */
export type { PublishedEvent as WorkflowEvent } from '../../../src/contracts/events.ts';
export { EVENT_TYPES as WORKFLOW_EVENT_TYPES } from '../../../src/contracts/events.ts';
