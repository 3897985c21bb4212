/** The numeric keypad (PINs, counts, WBC): phone layout, keys big enough for a gloved finger. */
import { css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { emit } from '../events.ts';
import { KEYPAD_ROWS } from '../logic/keypad.ts';
import { baseStyles } from '../theme/styles.ts';
import { icons } from './icons.ts';
import { KioskElement } from './kiosk-element.ts';

/** Keeps the focus in the entry field being typed into (a scanner types there too). */
const keepFocus = (e: Event) => e.preventDefault();

@customElement('ld-keypad')
export class Keypad extends KioskElement {
  /** Offer a decimal separator key. */
  @property({ type: Boolean }) decimal = false;
  /** Label of the OK key; no OK key when empty. */
  @property() okLabel = '';
  @property({ type: Boolean }) okDisabled = false;

  static override styles = [
    baseStyles,
    css`
      .pad {
        display: grid;
        grid-template-columns: repeat(3, minmax(64px, 1fr));
        gap: 8px;
      }
      .btn {
        min-height: 60px;
        font-size: 26px;
        padding: 0;
      }
      .ok {
        grid-column: 1 / -1;
      }
    `,
  ];

  private press(char: string) {
    emit(this, 'ld-key', { kind: 'char', char });
  }

  override render() {
    const separator = this.i18n.i18n.decimalSeparator;
    return html`<div class="pad" role="group" @mousedown=${keepFocus}>
      ${KEYPAD_ROWS.join('')
        .split('')
        .map((d) => html`<button class="btn outline" data-key=${d} @click=${() => this.press(d)}>${d}</button>`)}
      ${
        this.decimal
          ? html`<button class="btn outline" data-key="." aria-label=${separator} @click=${() => this.press('.')}>${separator}</button>`
          : html`<button class="btn outline" data-key="clear" aria-label=${this.t('kb.clear')} @click=${() => emit(this, 'ld-key', { kind: 'clear' })}>
            ${this.t('kb.clearShort')}
          </button>`
      }
      <button class="btn outline" data-key="0" @click=${() => this.press('0')}>0</button>
      <button class="btn outline" data-key="backspace" aria-label=${this.t('kb.backspace')} @click=${() => emit(this, 'ld-key', { kind: 'backspace' })}>
        ${icons.backspace}
      </button>
      ${this.okLabel ? html`<button class="btn primary ok" data-key="ok" ?disabled=${this.okDisabled} @click=${() => emit(this, 'ld-submit')}>${this.okLabel}</button>` : ''}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-keypad': Keypad;
  }
}
