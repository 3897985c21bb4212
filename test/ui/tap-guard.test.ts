import { describe, expect, it } from 'vitest';
import { SETTLE_MS, TapGuard } from '../../ui/src/logic/tap-guard.ts';

const button = new EventTarget();
const other = new EventTarget();

describe('TapGuard', () => {
  it('acts on a tap that began on the control once the sheet has settled', () => {
    const g = new TapGuard();
    g.shown(1000);
    g.pressed(button, 1000 + SETTLE_MS + 10);
    expect(g.accepts(button, 1000 + SETTLE_MS + 80, false)).toBe(true);
  });

  it('ignores the click that follows the touch which opened the sheet (no pointerdown on the control)', () => {
    const g = new TapGuard();
    g.pressed(other, 990);
    g.shown(1000);
    expect(g.accepts(button, 1000 + SETTLE_MS + 300, false)).toBe(false);
  });

  it('ignores the second tap of a double tap that moved to the next cell', () => {
    const g = new TapGuard();
    g.shown(1000);
    g.pressed(button, 1000 + 180);
    expect(g.accepts(button, 1000 + 240, false)).toBe(false);
    // Even when its click comes late, the press came before the controls settled.
    expect(g.accepts(button, 1000 + SETTLE_MS + 50, false)).toBe(false);
  });

  it('ignores a press that started on another control and slid onto this one', () => {
    const g = new TapGuard();
    g.shown(0);
    g.pressed(other, SETTLE_MS + 100);
    expect(g.accepts(button, SETTLE_MS + 200, false)).toBe(false);
  });

  it('uses each press once', () => {
    const g = new TapGuard();
    g.shown(0);
    g.pressed(button, SETTLE_MS + 1);
    expect(g.accepts(button, SETTLE_MS + 2, false)).toBe(true);
    expect(g.accepts(button, SETTLE_MS + 3, false)).toBe(false);
  });

  it('lets a keyboard activation through once settled', () => {
    const g = new TapGuard();
    g.shown(0);
    expect(g.accepts(button, 10, true)).toBe(false);
    expect(g.accepts(button, SETTLE_MS, true)).toBe(true);
  });
});
