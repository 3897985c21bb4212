/** A new user: name on the on-screen keyboard, role, and a PIN on the keypad. */
import { css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { ROLES, type Role } from '../api/types.ts';
import { icons } from '../components/icons.ts';
import '../components/keyboard.ts';
import '../components/keypad.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import { emit } from '../events.ts';
import { applyKey, isPinComplete, NAME_RULES, nameCase, PIN_RULES, type KeyAction } from '../logic/keypad.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';

@customElement('ld-user-form')
export class UserForm extends KioskElement {
  /** The role, when there is no choice (the box's first user is a supervisor). */
  @property() fixedRole: Role | null = null;
  @property() submitLabel = '';
  @property({ type: Boolean }) busy = false;
  /** Fewest digits of the PIN (a supervisor's: 6). */
  @property({ type: Number }) minPinLength = 4;
  @state() private name = '';
  @state() private chosenRole: Role = 'nurse';
  @state() private pin = '';
  @state() private active: 'name' | 'pin' = 'name';

  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        gap: 16px;
        min-height: 0;
      }
      .fields {
        width: 300px;
        flex: none;
        display: flex;
        flex-direction: column;
        gap: 10px;
      }
      .entry {
        display: flex;
        flex-direction: column;
        align-items: stretch;
        justify-content: center;
        min-height: 64px;
        text-align: left;
        border: 2px solid ${C.line};
        background: ${C.surface};
        border-radius: 10px;
        padding: 4px 12px;
      }
      .entry.active {
        border: 4px solid ${C.primary};
      }
      .entry small {
        font-size: 15px;
        color: ${C.muted};
        font-weight: 600;
      }
      .value {
        font-size: 24px;
        font-weight: 700;
        min-height: 30px;
      }
      .roles {
        display: flex;
        gap: 8px;
      }
      .roles .btn {
        flex: 1;
      }
      .roles .btn[aria-pressed='true'] {
        background: ${C.primary};
        color: ${C.primaryText};
      }
      .keys {
        flex: 1;
        min-width: 0;
      }
    `,
  ];

  private get pinLongEnough(): boolean {
    return isPinComplete(this.pin) && this.pin.length >= this.minPinLength;
  }

  private onKey(action: KeyAction) {
    if (this.active === 'name') this.name = applyKey(this.name, nameCase(this.name, action), NAME_RULES);
    else this.pin = applyKey(this.pin, action, PIN_RULES);
  }

  private submit() {
    if (!this.name.trim() || !this.pinLongEnough || this.busy) return;
    emit(this, 'ld-user-submit', { name: this.name.trim(), role: this.fixedRole ?? this.chosenRole, pin: this.pin });
  }

  override render() {
    const ready = !!this.name.trim() && this.pinLongEnough && !this.busy;
    const onKey = (e: CustomEvent<KeyAction>) => {
      e.stopPropagation();
      this.onKey(e.detail);
    };
    const onOk = (e: Event) => {
      e.stopPropagation();
      if (this.active === 'name') this.active = 'pin';
      else this.submit();
    };
    return html`<div class="fields">
        <button class="entry ${this.active === 'name' ? 'active' : ''}" data-entry="name" @click=${() => (this.active = 'name')}>
          <small>${this.t('settings.name')}</small><span class="value">${this.name}</span>
        </button>
        ${
          this.fixedRole
            ? ''
            : html`<div class="roles" role="group" aria-label=${this.t('settings.role')}>
              ${ROLES.map(
                (r) => html`<button class="btn outline" data-role=${r} aria-pressed=${this.chosenRole === r ? 'true' : 'false'} @click=${() => (this.chosenRole = r)}>
                  ${this.t(`role.${r}`)}
                </button>`,
              )}
            </div>`
        }
        <button class="entry ${this.active === 'pin' ? 'active' : ''}" data-entry="pin" @click=${() => (this.active = 'pin')}>
          <small>${this.minPinLength > 4 ? this.t('settings.newPinMin', { n: this.minPinLength }) : this.t('settings.newPin')}</small><span class="value">${'•'.repeat(this.pin.length)}</span>
        </button>
        <button class="btn primary" data-action="create-user" ?disabled=${!ready} @click=${() => this.submit()}>${icons.check}${this.submitLabel}</button>
      </div>
      <div class="keys" @ld-key=${onKey} @ld-submit=${onOk}>
        ${this.active === 'name' ? html`<ld-keyboard signs="-.'" .okLabel=${this.t('kb.next')}></ld-keyboard>` : html`<ld-keypad .okLabel=${this.t('kb.ok')}></ld-keypad>`}
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-user-form': UserForm;
  }
}
