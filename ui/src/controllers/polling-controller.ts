/**
 * Calls `poll` every `everyMs` while the host is on screen: from when it connects (at once too with
 * `immediate`) until it disconnects. The next call is timed from the end of the one before, so two
 * never overlap however slowly the box answers. A failure is the callback's to report (each screen
 * says it its own way, or not at all); polling goes on at the same interval.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export interface PollingOptions {
  everyMs: number;
  /** Call once as soon as the host connects, not only after the first interval. */
  immediate?: boolean;
}

export class PollingController implements ReactiveController {
  private connected = false;
  private calling = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    host: ReactiveControllerHost,
    private readonly poll: () => unknown,
    private readonly options: PollingOptions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.connected = true;
    if (this.options.immediate) void this.tick();
    else this.schedule();
  }

  hostDisconnected(): void {
    this.connected = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, this.options.everyMs);
  }

  private async tick(): Promise<void> {
    // A call still running (the host left and came back meanwhile) schedules the next when it ends.
    if (!this.connected || this.calling) return;
    this.calling = true;
    try {
      await this.poll();
    } catch {
      // The callback reports its own failures; the next call may succeed.
    } finally {
      this.calling = false;
    }
    if (this.connected && this.timer === undefined) this.schedule();
  }
}
