/**
 * Subscribes a component to the live events while it is on screen: `onEvent` for each event it
 * cares about, `onResync` after a gap (daemon restarted, stream reconnected).
 */
import { ContextConsumer } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { EventListener } from '../api/event-stream.ts';
import { eventsContext } from '../context.ts';

type Host = ReactiveControllerHost & HTMLElement;

export class EventsController implements ReactiveController {
  private readonly consumer: ContextConsumer<typeof eventsContext, Host>;
  private unsubscribe: (() => void) | null = null;

  constructor(
    host: Host,
    private readonly listener: EventListener,
  ) {
    this.consumer = new ContextConsumer(host, { context: eventsContext });
    host.addController(this);
  }

  hostConnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = this.consumer.value?.subscribe(this.listener) ?? null;
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
