/** Who signs (a tap on their name) and their PIN on the keypad, shown as dots. */
import { css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { User } from '../api/types.ts';
import { emit } from '../events.ts';
import { applyKey, isPinComplete, PIN_RULES, type KeyAction } from '../logic/keypad.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';
import { icons } from './icons.ts';
import { KioskElement } from './kiosk-element.ts';
import './keypad.ts';

@customElement('ld-pin-pad')
export class PinPad extends KioskElement {
  @property({ attribute: false }) users: Pick<User, 'id' | 'name'>[] = [];
  @property() submitLabel = '';
  @property({ type: Boolean }) busy = false;
  /** The names are shown elsewhere (the "Who is working?" tiles): only the dots and the keypad here. */
  @property({ type: Boolean }) hideUsers = false;
  /** Chosen at first, when in the list (the user working at the kiosk). */
  @property() preferredUserId: string | null = null;
  @state() private userId: string | null = null;
  @state() private pin = '';

  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 12px;
      }
      .users {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
      }
      .users[hidden] {
        display: none;
      }
      .users .btn[aria-pressed='true'] {
        background: ${C.primary};
        color: ${C.primaryText};
      }
      .dots {
        display: flex;
        gap: 10px;
        min-height: 32px;
        align-items: center;
        justify-content: center;
        font-size: 18px;
      }
      .dot {
        width: 20px;
        height: 20px;
        border-radius: 50%;
        background: ${C.text};
      }
    `,
  ];

  private get chosen(): string | null {
    const listed = (id: string | null) => !!id && this.users.some((u) => u.id === id);
    if (listed(this.userId)) return this.userId;
    if (listed(this.preferredUserId)) return this.preferredUserId;
    return this.users[0]?.id ?? null;
  }

  private submit() {
    const userId = this.chosen;
    if (!userId || !isPinComplete(this.pin) || this.busy) return;
    emit(this, 'ld-pin-submit', { userId, pin: this.pin });
    this.pin = '';
  }

  override render() {
    const chosen = this.chosen;
    return html`<div class="users" role="group" aria-label=${this.t('sign.supervisor')} ?hidden=${this.hideUsers}>
        ${this.users.map(
          (u) => html`<button class="btn outline" data-user=${u.id} aria-pressed=${u.id === chosen ? 'true' : 'false'} @click=${() => (this.userId = u.id)}>
            ${u.name}
          </button>`,
        )}
      </div>
      <div class="dots" aria-live="polite" aria-label=${this.t('pin.digits', { n: this.pin.length })} data-pin-length=${this.pin.length}>
        ${this.pin.length ? this.pin.split('').map(() => html`<span class="dot"></span>`) : html`<span class="muted">${icons.lock} ${this.t('pin.enter')}</span>`}
      </div>
      <ld-keypad
        .okLabel=${this.submitLabel}
        .okDisabled=${!chosen || !isPinComplete(this.pin) || this.busy}
        @ld-key=${(e: CustomEvent<KeyAction>) => {
          e.stopPropagation();
          this.pin = applyKey(this.pin, e.detail, PIN_RULES);
        }}
        @ld-submit=${(e: Event) => {
          e.stopPropagation();
          this.submit();
        }}
      ></ld-keypad>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-pin-pad': PinPad;
  }
}
