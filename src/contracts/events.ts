/**
 * The workflow events, as the daemon publishes them after each commit and as `GET /api/events`
 * sends them to the kiosk (Server-Sent Events, one JSON object per event).
 */
import type { SampleStatus } from './statuses.ts';

export type WorkflowEvent =
  | { type: 'field.queued'; sampleId: string; fieldId: string; queueLength: number }
  | { type: 'field.analysing'; sampleId: string; fieldId: string }
  | { type: 'field.analysed'; sampleId: string; fieldId: string; cells: number; flagged: number }
  | { type: 'field.failed'; sampleId: string; fieldId: string; error: string }
  | { type: 'field.deleted'; sampleId: string; fieldId: string }
  | { type: 'cell.changed'; sampleId: string; fieldId: string; cellId: string; change: 'reclassified' | 'deleted' | 'added' | 'reviewed' }
  | { type: 'sample.changed'; sampleId: string; revision: number; status: SampleStatus }
  | { type: 'sync.changed'; sampleId: string | null; state: string; revision?: number | null; message?: string };

export type EventType = WorkflowEvent['type'];

/** An event as the stream sends it: with the stream's id (SSE `id:`) and the time it was published. */
export type PublishedEvent = WorkflowEvent & { id: number; at: string };

/** Every event type, for a listener per type on the EventSource. */
export const EVENT_TYPES = [
  'field.queued',
  'field.analysing',
  'field.analysed',
  'field.failed',
  'field.deleted',
  'cell.changed',
  'sample.changed',
  'sync.changed',
] as const satisfies readonly EventType[];
