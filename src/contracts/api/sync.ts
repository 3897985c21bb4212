/** The workflow API's sync with the hub: GET /api/sync and the revisions set aside. */

export const HUB_STATES = ['disabled', 'starting', 'syncing', 'idle', 'offline', 'failing', 'unauthorised', 'stopped'] as const;
export type HubState = (typeof HUB_STATES)[number];

/** GET /api/sync */
export interface SyncStatus {
  enabled: boolean;
  /** Why the sync is off, when it is. */
  reason: string | null;
  state: HubState;
  /** When the state began ('' while the sync is off). */
  since: string;
  hub: string | null;
  lastError: string | null;
  lastContactAt: string | null;
  lastDeliveryAt: string | null;
  nextAttemptAt: string | null;
  failures: number;
  device: { id: string; clinicId: string } | null;
  /** Since the backlog was last empty. */
  drain: { delivered: number; setAside: number };
  backlog: { pending: number; setAside: number; oldestPendingAt: string | null };
  reviews: { applied: number };
}

/** GET /api/sync/set-aside: a revision the sync set aside, waiting for a person. */
export interface SetAsideItem {
  outboxId: number;
  sampleId: string;
  revision: number;
  reference: string | null;
  code: string;
  reason: string;
  at: string;
  attempts: number;
}
