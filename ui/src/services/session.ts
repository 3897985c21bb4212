/**
 * Who is working at the kiosk, for attribution: the API records them on every change (photos,
 * corrections) through the X-Leukodiff-User header. Chosen with a PIN; kept across reloads.
 */
import type { Role, User } from '../api/types.ts';

const KEY = 'leukodiff.user';

export interface SessionUser {
  id: string;
  name: string;
  role: Role;
}

export class KioskSession extends EventTarget {
  private current: SessionUser | null = null;

  constructor(private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>) {
    super();
    try {
      const saved = JSON.parse(storage.getItem(KEY) ?? 'null') as SessionUser | null;
      if (saved && typeof saved.id === 'string' && typeof saved.name === 'string') this.current = saved;
    } catch {
      storage.removeItem(KEY);
    }
  }

  get user(): SessionUser | null {
    return this.current;
  }

  set(user: Pick<User, 'id' | 'name' | 'role'> | null): void {
    this.current = user ? { id: user.id, name: user.name, role: user.role } : null;
    if (this.current) this.storage.setItem(KEY, JSON.stringify(this.current));
    else this.storage.removeItem(KEY);
    this.dispatchEvent(new Event('change'));
  }
}
