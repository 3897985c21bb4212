/** What every supervisor setting has: the settings and PIN it is given, and one way to change them. */
import { property, state } from 'lit/decorators.js';
import type { Credentials, Settings } from '../api/types.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import { emit } from '../events.ts';
import { busyWhile } from '../logic/busy-while.ts';

export class SettingElement extends KioskElement {
  @property({ attribute: false }) settings: Settings | null = null;
  @property({ attribute: false }) auth: Credentials | null = null;
  @state() busy = false;

  /** Runs a change with the supervisor's PIN, passes the new settings up and says it is saved. */
  protected async changeSettings(action: (auth: Credentials) => Promise<Settings>): Promise<void> {
    const auth = this.auth;
    if (!auth) return;
    await busyWhile(this, async () => {
      emit(this, 'ld-settings', await action(auth));
      emit(this, 'ld-notice', { key: 'settings.saved' });
    });
  }
}
