/** The box's users: add one, give one a new PIN, deactivate or reactivate (a supervisor's PIN is held). */
import { css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Credentials, Role, User } from '../api/types.ts';
import { icons } from '../components/icons.ts';
import '../components/keypad.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import { emit } from '../events.ts';
import { busyWhile } from '../logic/busy-while.ts';
import { applyKey, isPinComplete, PIN_RULES, type KeyAction } from '../logic/keypad.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';
import './user-form.ts';

@customElement('ld-users-setting')
export class UsersSetting extends KioskElement {
  @property({ attribute: false }) users: User[] = [];
  @property({ attribute: false }) auth: Credentials | null = null;
  /** Reflected (data-adding) so that Settings can give the form and its keyboard the whole width. */
  @property({ type: Boolean, reflect: true, attribute: 'data-adding' }) adding = false;
  @state() private pinFor: string | null = null;
  @state() private pin = '';
  @state() busy = false;

  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 10px;
        min-height: 0;
      }
      .user {
        display: flex;
        align-items: center;
        gap: 8px;
        background: ${C.surface};
        border-radius: 12px;
        padding: 6px 10px;
      }
      .name {
        flex: 1;
        font-weight: 700;
      }
      .inactive {
        opacity: 0.6;
      }
      .pin {
        display: flex;
        gap: 16px;
        align-items: flex-start;
      }
      .dots {
        font-size: 32px;
        min-width: 160px;
      }
      ld-keypad {
        width: 260px;
      }
    `,
  ];

  /** Tells the screen to list the users again. */
  private changed() {
    emit(this, 'ld-users-changed');
  }

  private async run(action: () => Promise<unknown>) {
    await busyWhile(this, async () => {
      await action();
      emit(this, 'ld-notice', { key: 'settings.saved' });
      this.changed();
    });
  }

  private create(user: { name: string; role: Role; pin: string }) {
    void this.run(async () => {
      await this.api.createUser(user, this.auth ?? undefined);
      this.adding = false;
    });
  }

  private savePin(userId: string) {
    const auth = this.auth;
    if (!auth || !isPinComplete(this.pin)) return;
    const pin = this.pin;
    void this.run(async () => {
      await this.api.updateUser(userId, { pin }, auth);
      this.pinFor = null;
      this.pin = '';
    });
  }

  private setActive(user: User, active: boolean) {
    const auth = this.auth;
    if (auth) void this.run(() => this.api.updateUser(user.id, { active }, auth));
  }

  override render() {
    if (this.adding) {
      return html`<ld-user-form
          .submitLabel=${this.t('settings.create')}
          .busy=${this.busy}
          @ld-user-submit=${(e: CustomEvent<{ name: string; role: Role; pin: string }>) => this.create(e.detail)}
        ></ld-user-form>
        <button class="btn" @click=${() => (this.adding = false)}>${this.t('settings.cancel')}</button>`;
    }
    const editing = this.users.find((u) => u.id === this.pinFor);
    if (editing) {
      return html`<h3>${this.t('settings.setPin')}: ${editing.name}</h3>
        <div class="pin">
          <div class="dots" data-pin-length=${this.pin.length}>${'•'.repeat(this.pin.length) || '–'}</div>
          <ld-keypad
            .okLabel=${this.t('settings.save')}
            .okDisabled=${!isPinComplete(this.pin) || this.busy}
            @ld-key=${(e: CustomEvent<KeyAction>) => (this.pin = applyKey(this.pin, e.detail, PIN_RULES))}
            @ld-submit=${() => this.savePin(editing.id)}
          ></ld-keypad>
        </div>
        <button class="btn" @click=${() => (this.pinFor = null)}>${this.t('settings.cancel')}</button>`;
    }
    return html`${this.users.map(
      (u) => html`<div class="user ${u.active ? '' : 'inactive'}" data-user-row=${u.name}>
          <span class="name">${u.name} <span class="muted">· ${this.t(`role.${u.role}`)}${u.active ? '' : ` · ${this.t('settings.inactive')}`}</span></span>
          <button class="btn outline" ?disabled=${this.busy} @click=${() => ((this.pinFor = u.id), (this.pin = ''))}>${icons.lock}${this.t('settings.setPin')}</button>
          <button class="btn outline" ?disabled=${this.busy} @click=${() => this.setActive(u, !u.active)}>
            ${u.active ? this.t('settings.deactivate') : this.t('settings.activate')}
          </button>
        </div>`,
    )}
      <button class="btn primary" data-action="add-user" @click=${() => (this.adding = true)}>${icons.plus}${this.t('settings.addUser')}</button>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-users-setting': UsersSetting;
  }
}
