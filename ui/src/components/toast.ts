/** One message at the bottom of the screen: a tap anywhere on it closes it; the shell times it out. */
import { css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { emit } from '../events.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';
import { icons } from './icons.ts';
import { KioskElement } from './kiosk-element.ts';

@customElement('ld-toast')
export class Toast extends KioskElement {
  @property() message = '';
  @property() kind: 'error' | 'notice' = 'notice';

  static override styles = [
    baseStyles,
    css`
      :host {
        position: fixed;
        left: 50%;
        bottom: 16px;
        transform: translateX(-50%);
        max-width: min(90vw, 900px);
        z-index: 50;
      }
      .toast {
        display: flex;
        align-items: center;
        gap: 16px;
        padding: 10px 10px 10px 20px;
        border-radius: 14px;
        background: ${C.bar};
        color: ${C.barText};
        box-shadow: 0 6px 24px rgb(0 0 0 / 0.35);
        font-size: 20px;
      }
      .toast.error {
        background: ${C.danger};
        color: ${C.dangerText};
      }
      .btn {
        background: ${C.surface};
        color: ${C.text};
      }
    `,
  ];

  override render() {
    if (!this.message) return html``;
    return html`<div class="toast ${this.kind}" role=${this.kind === 'error' ? 'alert' : 'status'} @click=${() => emit(this, 'ld-dismiss')}>
      ${this.kind === 'error' ? icons.warning : icons.check}
      <span data-toast>${this.message}</span>
      <button class="btn">${this.t('error.dismiss')}</button>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-toast': Toast;
  }
}
