/** SQL for users: name, role, PIN hash and the wrong-PIN counter. */
import type { Db } from './db.ts';
import type { Role, User, UserWithSecret } from './types.ts';

interface UserRow {
  id: string;
  name: string;
  role: Role;
  pin_hash: string;
  active: number;
  failed_pins: number;
  locked_until: number | null;
  created_at: string;
  updated_at: string;
}

const toUser = (r: UserRow): UserWithSecret => ({
  id: r.id,
  name: r.name,
  role: r.role,
  active: r.active === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  pinHash: r.pin_hash,
  failedPins: r.failed_pins,
  lockedUntil: r.locked_until,
});

/** The user without secrets, for anything that leaves the store. */
export const publicUser = (u: UserWithSecret): User => ({
  id: u.id,
  name: u.name,
  role: u.role,
  active: u.active,
  createdAt: u.createdAt,
  updatedAt: u.updatedAt,
});

export class UserRepo {
  constructor(private readonly db: Db) {}

  get(id: string): UserWithSecret | undefined {
    const row = this.db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?').get(id);
    return row && toUser(row);
  }

  nameTaken(name: string, exceptId = ''): boolean {
    return this.db.prepare('SELECT 1 FROM users WHERE name = ? COLLATE NOCASE AND id <> ?').get(name, exceptId) !== undefined;
  }

  list(): User[] {
    return this.db
      .prepare<[], UserRow>('SELECT * FROM users ORDER BY name COLLATE NOCASE')
      .all()
      .map((r) => publicUser(toUser(r)));
  }

  /** Every user ever created, active or not: 0 only on a box before its first-boot setup. */
  count(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users').get()!.n;
  }

  countActiveSupervisors(): number {
    return this.db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM users WHERE role = 'supervisor' AND active = 1`).get()!.n;
  }

  insert(u: { id: string; name: string; role: Role; pinHash: string; at: string }): void {
    this.db.prepare('INSERT INTO users (id, name, role, pin_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(u.id, u.name, u.role, u.pinHash, u.at, u.at);
  }

  update(id: string, patch: { name?: string; role?: Role; active?: boolean; pinHash?: string }, at: string): void {
    this.db
      .prepare(
        `UPDATE users SET name = coalesce(@name, name), role = coalesce(@role, role), active = coalesce(@active, active),
           pin_hash = coalesce(@pinHash, pin_hash), updated_at = @at WHERE id = @id`,
      )
      .run({ id, at, name: patch.name, role: patch.role, pinHash: patch.pinHash, active: patch.active === undefined ? undefined : patch.active ? 1 : 0 });
  }

  /** Counts a wrong PIN; returns the new count. */
  recordWrongPin(id: string, lockedUntil: number | null): number {
    this.db.prepare('UPDATE users SET failed_pins = failed_pins + 1, locked_until = ? WHERE id = ?').run(lockedUntil, id);
    return this.get(id)!.failedPins;
  }

  clearWrongPins(id: string): void {
    this.db.prepare('UPDATE users SET failed_pins = 0, locked_until = NULL WHERE id = ?').run(id);
  }

  /** Every user's wrong-PIN count and delay back to zero (the technician's recovery code). */
  clearAllWrongPins(): void {
    this.db.prepare('UPDATE users SET failed_pins = 0, locked_until = NULL').run();
  }
}
