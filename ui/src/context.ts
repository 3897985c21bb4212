/** Services the app shell provides to every component (@lit/context). */
import { createContext } from '@lit/context';
import type { ApiClient } from './api/client.ts';
import type { EventStream } from './api/event-stream.ts';
import type { EngineHealth, Settings } from './api/types.ts';
import type { I18n } from './i18n/i18n.ts';
import type { KioskPrefs } from './services/prefs.ts';
import type { Prompts } from './services/prompts.ts';
import type { KioskSession } from './services/session.ts';

export const apiContext = createContext<ApiClient>(Symbol('api'));
export const eventsContext = createContext<EventStream>(Symbol('events'));
export const i18nContext = createContext<I18n>(Symbol('i18n'));
export const prefsContext = createContext<KioskPrefs>(Symbol('prefs'));
export const promptsContext = createContext<Prompts>(Symbol('prompts'));
export const sessionContext = createContext<KioskSession>(Symbol('session'));

/** What the box is set up with: the count target and the detectors (for "2 of 3 votes"). */
export interface BoxSetup {
  settings: Settings | null;
  engine: EngineHealth | null;
}
export const setupContext = createContext<BoxSetup>(Symbol('setup'));
