/**
 * The on-screen keyboard for sample numbers and names (Chromium's kiosk mode brings none): digits,
 * letters in the layout of the nurse's language, and the few signs sample numbers use.
 */
import { css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { emit } from '../events.ts';
import { DIGIT_ROW, LETTER_ROWS } from '../logic/keypad.ts';
import { baseStyles } from '../theme/styles.ts';
import { icons } from './icons.ts';
import { KioskElement } from './kiosk-element.ts';

const keepFocus = (e: Event) => e.preventDefault();

@customElement('ld-keyboard')
export class Keyboard extends KioskElement {
  @property() okLabel = '';
  @property({ type: Boolean }) okDisabled = false;
  /** Extra signs on the last row. */
  @property() signs = '-/.';

  static override styles = [
    baseStyles,
    css`
      .keys {
        display: flex;
        flex-direction: column;
        gap: 6px;
      }
      .row {
        display: flex;
        gap: 6px;
        justify-content: center;
      }
      .btn {
        flex: 1 1 0;
        min-width: 48px;
        max-width: 72px;
        min-height: 56px;
        padding: 0;
        font-size: 24px;
      }
      .wide {
        max-width: none;
        flex: 2 1 0;
        font-size: 20px;
      }
    `,
  ];

  private key(char: string) {
    return html`<button class="btn outline" data-key=${char} @click=${() => emit(this, 'ld-key', { kind: 'char', char })}>${char}</button>`;
  }

  override render() {
    const letters = LETTER_ROWS[this.i18n.i18n.lang];
    return html`<div class="keys" role="group" @mousedown=${keepFocus}>
      <div class="row">${DIGIT_ROW.split('').map((c) => this.key(c))}</div>
      ${letters.map((row) => html`<div class="row">${row.split('').map((c) => this.key(c))}</div>`)}
      <div class="row">
        ${this.signs.split('').map((c) => this.key(c))}
        <button class="btn outline wide" data-key="space" @click=${() => emit(this, 'ld-key', { kind: 'char', char: ' ' })}>${this.t('kb.space')}</button>
        <button class="btn outline" data-key="backspace" aria-label=${this.t('kb.backspace')} @click=${() => emit(this, 'ld-key', { kind: 'backspace' })}>
          ${icons.backspace}
        </button>
        ${this.okLabel ? html`<button class="btn primary wide" data-key="ok" ?disabled=${this.okDisabled} @click=${() => emit(this, 'ld-submit')}>${this.okLabel}</button>` : ''}
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-keyboard': Keyboard;
  }
}
