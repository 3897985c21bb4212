/**
 * The daemon's live events (SSE, GET /api/events), shared by every screen. EventSource reconnects
 * by itself (the server asks for 2 s) and sends Last-Event-ID; after a gap it cannot fill (a
 * daemon restart, a `reload` event) listeners are told to resync: to fetch what they show again.
 */
import { WORKFLOW_EVENT_TYPES, type WorkflowEvent } from './types.ts';

const RESTART_MS = 3000;

export type ConnectionState = 'connecting' | 'open' | 'lost';

export interface EventListener {
  onEvent?(event: WorkflowEvent): void;
  /** Something may have been missed: fetch again. */
  onResync?(): void;
}

export class EventStream extends EventTarget {
  private source: EventSource | null = null;
  private readonly listeners = new Set<EventListener>();
  private wasOpen = false;
  private running = false;
  state: ConnectionState = 'connecting';

  constructor(private readonly url = '/api/events') {
    super();
  }

  start(): void {
    this.running = true;
    if (this.source) return;
    const source = new EventSource(this.url);
    this.source = source;
    source.addEventListener('open', () => {
      const reconnected = this.wasOpen;
      this.wasOpen = true;
      this.setState('open');
      // Events sent while the stream was down may be gone (the daemon restarted): refetch.
      if (reconnected) this.resync();
    });
    source.addEventListener('error', () => {
      if (source.readyState !== EventSource.CLOSED) return this.setState('connecting');
      // An HTTP error answer (a proxy, a daemon half up) ends EventSource's own retries: start over.
      this.setState('lost');
      this.source = null;
      setTimeout(() => this.running && this.start(), RESTART_MS);
    });
    source.addEventListener('reload', () => this.resync());
    for (const type of WORKFLOW_EVENT_TYPES) {
      source.addEventListener(type, (e) => {
        let event: WorkflowEvent;
        try {
          event = JSON.parse((e as MessageEvent<string>).data) as WorkflowEvent;
        } catch {
          return;
        }
        for (const l of this.listeners) l.onEvent?.(event);
      });
    }
  }

  stop(): void {
    this.running = false;
    this.source?.close();
    this.source = null;
  }

  /** Whether the stream was ever up: until then a failure is the first connection, not a loss. */
  get everOpened(): boolean {
    return this.wasOpen;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private resync(): void {
    for (const l of this.listeners) l.onResync?.();
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.dispatchEvent(new Event('statechange'));
  }
}
