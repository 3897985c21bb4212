/**
 * One sample with its fields, cells and differential, kept fresh: loaded when the host names it,
 * reloaded when the events say it changed (or after a reconnect), and updated at once by the
 * host's own corrections.
 */
import { ContextConsumer } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Cell, SampleDetail } from '../api/types.ts';
import { apiContext } from '../context.ts';
import { withCell } from '../logic/counts.ts';
import { EventsController } from './events-controller.ts';

type Host = ReactiveControllerHost & HTMLElement;

/** Events come in bursts (a field analysed, then the sample changed): one reload for the burst. */
const RELOAD_DELAY_MS = 80;

export class SampleController implements ReactiveController {
  detail: SampleDetail | null = null;
  error: unknown = null;
  private id: string | null = null;
  private request = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly api: ContextConsumer<typeof apiContext, Host>;

  constructor(private readonly host: Host) {
    this.api = new ContextConsumer(host, { context: apiContext });
    new EventsController(host, {
      onEvent: (e) => {
        if ('sampleId' in e && e.sampleId === this.id) this.scheduleReload();
      },
      onResync: () => void this.reload(),
    });
    host.addController(this);
  }

  get sampleId(): string | null {
    return this.id;
  }

  set sampleId(id: string | null) {
    if (id === this.id) return;
    this.id = id;
    this.detail = null;
    this.error = null;
    void this.reload();
  }

  hostConnected(): void {
    if (this.id && !this.detail) void this.reload();
  }

  hostDisconnected(): void {
    clearTimeout(this.timer);
  }

  async reload(): Promise<void> {
    clearTimeout(this.timer);
    const id = this.id;
    const api = this.api.value;
    if (!id || !api) return;
    const request = ++this.request;
    try {
      const detail = await api.getSample(id);
      if (request !== this.request) return;
      this.detail = detail;
      this.error = null;
    } catch (err) {
      if (request !== this.request) return;
      this.error = err;
    }
    this.host.requestUpdate();
  }

  /** The host's own correction, shown before the server's differential comes back. */
  apply(cell: Cell): void {
    if (!this.detail) return;
    this.detail = withCell(this.detail, cell);
    this.host.requestUpdate();
  }

  private scheduleReload(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload(), RELOAD_DELAY_MS);
  }
}
