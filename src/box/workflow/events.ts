/**
 * Live progress for the UI: every workflow change is published here after its transaction
 * committed, with an increasing id; the last events are kept so a reconnecting client can ask for
 * what it missed (SSE Last-Event-ID).
 */
import type { PublishedEvent, WorkflowEvent } from '../../contracts/events.ts';

export type { WorkflowEvent } from '../../contracts/events.ts';
export type Published = PublishedEvent;

export class EventBus {
  private seq = 0;
  private readonly recent: Published[] = [];
  private readonly listeners = new Set<(e: Published) => void>();

  constructor(private readonly keep = 200) {}

  publish(event: WorkflowEvent): Published {
    const e = { ...event, id: ++this.seq, at: new Date().toISOString() } as Published;
    this.recent.push(e);
    if (this.recent.length > this.keep) this.recent.shift();
    for (const l of this.listeners) l(e);
    return e;
  }

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: (e: Published) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Events after `lastId` still in memory; null when some of them are gone (the client must reload).
   * The ids restart with the daemon, so an id from the future also means "reload".
   */
  since(lastId: number): Published[] | null {
    if (lastId > this.seq) return null;
    const first = this.recent[0]?.id ?? this.seq + 1;
    if (lastId + 1 < first) return null;
    return this.recent.filter((e) => e.id > lastId);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}
