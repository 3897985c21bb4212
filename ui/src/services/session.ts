/**
 * Who is signed in at the kiosk, as the daemon's session says (the session itself is an HttpOnly
 * cookie the page cannot read). `user` null: nobody, the "Who is working?" screen is up.
 */
import type { SessionInfo, SignInPerson } from '../api/types.ts';

export class KioskSession extends EventTarget {
  private current: SessionInfo | null = null;

  get user(): SignInPerson | null {
    return this.current?.user ?? null;
  }

  get info(): SessionInfo | null {
    return this.current;
  }

  set(info: SessionInfo | null): void {
    const before = this.current?.user.id ?? null;
    this.current = info;
    if (before !== (info?.user.id ?? null) || !info) this.dispatchEvent(new Event('change'));
  }
}
