/** The workflow API's people: users, signing in, first-boot setup. */
import type { Role } from '../statuses.ts';
import type { Language } from './settings.ts';

/** A user of the box, without secrets. */
export interface User {
  id: string;
  name: string;
  role: Role;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A person who may sign in, as the "Who is working?" screen shows them (GET /api/session/people). */
export interface SignInPerson {
  id: string;
  name: string;
  role: Role;
}

/** A user's PIN, sent with every change that needs one. */
export interface Credentials {
  userId: string;
  pin: string;
}

/** PATCH /api/users/:userId (with `auth`, a supervisor's credentials). */
export interface UserPatch {
  name?: string;
  role?: Role;
  active?: boolean;
  pin?: string;
}

/** GET and POST /api/session */
export interface SessionInfo {
  user: SignInPerson;
  /** When the session ends at the latest (ISO). */
  expiresAt: string;
  idleLockMinutes: number;
  /** A supervisor whose PIN is shorter than today's minimum: the kiosk asks them to change it. */
  pinChangeRequired: boolean;
}

/** GET /api/setup */
export interface SetupStatus {
  needed: boolean;
  hubUrl: string | null;
  /** This browser's session; null: nobody signed in. */
  session: SessionInfo | null;
}

/** POST /api/setup: the box's language and its first supervisor (a PIN of at least 6 digits). */
export interface FirstBootSetup {
  language: Language;
  supervisor: { name: string; pin: string };
}

/** The answer to POST /api/setup: the first supervisor and the recovery code, shown only this once. */
export interface SetupResult {
  supervisor: User;
  recoveryCode: string;
}
