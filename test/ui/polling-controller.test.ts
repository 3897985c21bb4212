/** Polling while a screen is shown (ui/src/controllers/polling-controller.ts), on fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { PollingController } from '../../ui/src/controllers/polling-controller.ts';

/** The little of a Lit element a controller sees: it is added, then connected and disconnected. */
class FakeHost implements ReactiveControllerHost {
  readonly controllers: ReactiveController[] = [];
  readonly updateComplete = Promise.resolve(true);
  addController(c: ReactiveController): void {
    this.controllers.push(c);
  }
  removeController(): void {}
  requestUpdate(): void {}
  connect(): void {
    for (const c of this.controllers) c.hostConnected?.();
  }
  disconnect(): void {
    for (const c of this.controllers) c.hostDisconnected?.();
  }
}

const EVERY = 1000;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A poll that takes three intervals to answer, and the most calls that ever ran at once. */
function slowPoll() {
  let running = 0;
  let most = 0;
  const poll = vi.fn(async () => {
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setTimeout(r, 3 * EVERY)); // the box answers slowly
    running--;
  });
  return { poll, most: () => most };
}

describe('PollingController', () => {
  it('does nothing until the host connects, then calls every interval', async () => {
    const host = new FakeHost();
    const poll = vi.fn(async () => {});
    new PollingController(host, poll, { everyMs: EVERY });
    await vi.advanceTimersByTimeAsync(5 * EVERY);
    expect(poll).not.toHaveBeenCalled();
    host.connect();
    await vi.advanceTimersByTimeAsync(EVERY - 1);
    expect(poll).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(poll).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2 * EVERY);
    expect(poll).toHaveBeenCalledTimes(3);
  });

  it('with `immediate`, calls at once on connect', async () => {
    const host = new FakeHost();
    const poll = vi.fn(async () => {});
    new PollingController(host, poll, { everyMs: EVERY, immediate: true });
    host.connect();
    expect(poll).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(EVERY);
    expect(poll).toHaveBeenCalledTimes(2);
  });

  it('stops when the host disconnects and starts again when it comes back', async () => {
    const host = new FakeHost();
    const poll = vi.fn(async () => {});
    new PollingController(host, poll, { everyMs: EVERY });
    host.connect();
    await vi.advanceTimersByTimeAsync(2 * EVERY);
    expect(poll).toHaveBeenCalledTimes(2);
    host.disconnect();
    await vi.advanceTimersByTimeAsync(10 * EVERY);
    expect(poll).toHaveBeenCalledTimes(2);
    expect(vi.getTimerCount()).toBe(0);
    host.connect();
    await vi.advanceTimersByTimeAsync(EVERY);
    expect(poll).toHaveBeenCalledTimes(3);
  });

  it('never overlaps a slow call: the next is timed from the end of the one before', async () => {
    const host = new FakeHost();
    const { poll, most } = slowPoll();
    new PollingController(host, poll, { everyMs: EVERY });
    host.connect();
    await vi.advanceTimersByTimeAsync(EVERY); // first call starts, ends at 4 s
    expect(poll).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(3 * EVERY + EVERY - 1); // just before 5 s
    expect(poll).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(poll).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(20 * EVERY);
    expect(most()).toBe(1);
  });

  it('does not start a second call when the host comes back while one still runs', async () => {
    const host = new FakeHost();
    const { poll, most } = slowPoll();
    new PollingController(host, poll, { everyMs: EVERY, immediate: true });
    host.connect();
    host.disconnect();
    host.connect();
    expect(poll).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(3 * EVERY + EVERY); // the call ends, the next follows an interval later
    expect(poll).toHaveBeenCalledTimes(2);
    expect(most()).toBe(1);
  });

  it('keeps polling at the same interval after a call fails', async () => {
    const host = new FakeHost();
    const poll = vi.fn(async () => {
      throw new Error('offline');
    });
    new PollingController(host, poll, { everyMs: EVERY });
    host.connect();
    await vi.advanceTimersByTimeAsync(3 * EVERY);
    expect(poll).toHaveBeenCalledTimes(3);
  });

  it('keeps polling after a callback that throws synchronously', async () => {
    const host = new FakeHost();
    const poll = vi.fn(() => {
      throw new Error('bug');
    });
    new PollingController(host, poll, { everyMs: EVERY, immediate: true });
    host.connect();
    await vi.advanceTimersByTimeAsync(2 * EVERY);
    expect(poll).toHaveBeenCalledTimes(3);
  });
});
