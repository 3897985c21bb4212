/** The events components send up (bubbling, composed): what happened, never how to react. */
import type { CellClass, Credentials, Role, SessionInfo, Settings } from './api/types.ts';
import type { Lang, Vars } from './i18n/i18n.ts';
import type { KeyAction } from './logic/keypad.ts';
import type { Route } from './logic/routes.ts';
import type { MessageKey } from './i18n/en.ts';

export interface KioskEventMap {
  /** Go to a screen. */
  'ld-navigate': Route;
  /** Something failed: the shell shows it. */
  'ld-error': unknown;
  /** A short confirmation ("Saved."). */
  'ld-notice': { key: MessageKey; vars?: Vars };
  /** Close the message or dialog this came from. */
  'ld-dismiss': void;
  'ld-language': Lang;
  /** A key of an on-screen keypad or keyboard. */
  'ld-key': KeyAction;
  /** OK / Enter. */
  'ld-submit': void;
  'ld-cell-select': { cellId: string };
  'ld-cell-classify': { cellId: string; type: CellClass };
  /** Keep the type of a flagged cell: it has been looked at. */
  'ld-cell-confirm': { cellId: string };
  /** The same leukocyte counted twice: remove this box. */
  'ld-cell-remove': { cellId: string };
  /** A type for the missed cell being added. */
  'ld-cell-add': { type: CellClass };
  'ld-sheet-close': void;
  'ld-sheet-next': void;
  /** Press and hold on the field image, in image pixels. */
  'ld-long-press': { x: number; y: number };
  'ld-pin-submit': Credentials;
  'ld-quality-decision': { keep: boolean };
  /** Hands-free capture switched on or off. */
  'ld-live-change': { on: boolean };
  /** The reason chosen for changing a signed sample; null: cancelled. */
  'ld-reason': string | null;
  'ld-camera-select': { deviceId: string | null };
  /** The clinic settings were saved; everyone shows the new target and ranges. */
  'ld-settings': Settings;
  'ld-user-submit': { name: string; role: Role; pin: string };
  /** Users were added or changed: list them again. */
  'ld-users-changed': void;
  /** Someone signed in (the "Who is working?" screen): the shell hides it. */
  'ld-signed-in': SessionInfo;
  /** Sign the current person out (the top bar). */
  'ld-sign-out': void;
  /** The first-boot setup is done: the shell asks who is working. */
  'ld-setup-done': void;
}

export type KioskEventName = keyof KioskEventMap;

export function emit<K extends KioskEventName>(from: EventTarget, type: K, ...detail: KioskEventMap[K] extends void ? [] : [KioskEventMap[K]]): void {
  from.dispatchEvent(new CustomEvent(type, { detail: detail[0], bubbles: true, composed: true }));
}

declare global {
  interface HTMLElementEventMap {
    'ld-navigate': CustomEvent<Route>;
    'ld-error': CustomEvent<unknown>;
    'ld-notice': CustomEvent<{ key: MessageKey; vars?: Vars }>;
    'ld-dismiss': CustomEvent<void>;
    'ld-language': CustomEvent<Lang>;
    'ld-key': CustomEvent<KeyAction>;
    'ld-submit': CustomEvent<void>;
    'ld-cell-select': CustomEvent<{ cellId: string }>;
    'ld-cell-classify': CustomEvent<{ cellId: string; type: CellClass }>;
    'ld-cell-confirm': CustomEvent<{ cellId: string }>;
    'ld-cell-remove': CustomEvent<{ cellId: string }>;
    'ld-cell-add': CustomEvent<{ type: CellClass }>;
    'ld-sheet-close': CustomEvent<void>;
    'ld-sheet-next': CustomEvent<void>;
    'ld-long-press': CustomEvent<{ x: number; y: number }>;
    'ld-pin-submit': CustomEvent<Credentials>;
    'ld-quality-decision': CustomEvent<{ keep: boolean }>;
    'ld-live-change': CustomEvent<{ on: boolean }>;
    'ld-reason': CustomEvent<string | null>;
    'ld-camera-select': CustomEvent<{ deviceId: string | null }>;
    'ld-settings': CustomEvent<Settings>;
    'ld-user-submit': CustomEvent<{ name: string; role: Role; pin: string }>;
    'ld-users-changed': CustomEvent<void>;
    'ld-signed-in': CustomEvent<SessionInfo>;
    'ld-sign-out': CustomEvent<void>;
    'ld-setup-done': CustomEvent<void>;
  }
}
