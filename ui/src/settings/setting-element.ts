/** What every supervisor setting has: the settings and PIN it is given, and one way to change them. */
import { property, state } from 'lit/decorators.js';
import type { Credentials, Settings } from '../api/types.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import { emit } from '../events.ts';

export class SettingElement extends KioskElement {
  @property({ attribute: false }) settings: Settings | null = null;
  @property({ attribute: false }) auth: Credentials | null = null;
  @state() protected busy = false;

  /** Runs a change with the supervisor's PIN, passes the new settings up and says it is saved. */
  protected async changeSettings(action: (auth: Credentials) => Promise<Settings>): Promise<void> {
    if (!this.auth) return;
    this.busy = true;
    try {
      emit(this, 'ld-settings', await action(this.auth));
      emit(this, 'ld-notice', { key: 'settings.saved' });
    } catch (err) {
      this.fail(err);
    } finally {
      this.busy = false;
    }
  }
}
