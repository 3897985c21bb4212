/**
 * Taps that must not misfire. A control that changes data acts only on a tap that began on it
 * (a pointerdown on the control itself), once what it acts on has been on screen for SETTLE_MS: the
 * click a browser sends after a touch that opened a sheet, or the second tap of a double tap that
 * moved to the next cell, then lands on a control that is still settling and does nothing.
 */
export const SETTLE_MS = 450;

export class TapGuard {
  private shownAt = Number.NEGATIVE_INFINITY;
  private down: { target: EventTarget | null; at: number } | null = null;

  /** What the controls act on changed (another cell, a sheet opened) at `now` (ms, event-time clock). */
  shown(now: number): void {
    this.shownAt = now;
    this.down = null;
  }

  settled(now: number): boolean {
    return now - this.shownAt >= SETTLE_MS;
  }

  pressed(target: EventTarget | null, now: number): void {
    this.down = { target, at: now };
  }

  /**
   * Whether a click on `target` at `now` should act. `fromKeyboard`: a click with no pointer behind
   * it (Enter or Space on a focused control), which cannot be a ghost of a touch.
   */
  accepts(target: EventTarget | null, now: number, fromKeyboard: boolean): boolean {
    if (!this.settled(now)) return false;
    if (fromKeyboard) return true;
    const d = this.down;
    this.down = null;
    return !!d && d.target === target && d.at - this.shownAt >= SETTLE_MS;
  }
}
