/** What the workflow operations share: the store, the event bus, the clock and the settings defaults. */
import type { Store } from '../store/store.ts';
import type { Authenticator } from './auth.ts';
import type { EventBus } from './events.ts';

export interface WorkflowContext {
  store: Store;
  events: EventBus;
  auth: Authenticator;
  /** Target count used until a supervisor sets one. */
  defaultTarget: number;
  /** Fields waiting for or in analysis before new ones are refused. */
  queueCapacity: number;
  now: () => Date;
}

/** Who asks for a change, and why (a correction after sign-off must say why). */
export interface Actor {
  userId: string | null;
  reason?: string;
}
