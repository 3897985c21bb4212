/** The hands-free switch beside the shutter: a big button with a switch drawn in it. */
import { css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { emit } from '../events.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';
import { KioskElement } from './kiosk-element.ts';

@customElement('ld-live-toggle')
export class LiveToggle extends KioskElement {
  @property({ type: Boolean }) on = false;
  @property({ type: Boolean }) disabled = false;

  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
      }
      button {
        flex: 1;
        flex-direction: column;
        gap: 4px;
        padding: 6px;
        border-radius: 24px;
        font-size: 17px;
        line-height: 1.15;
      }
      .btn.outline[aria-checked='true'] {
        background: ${C.success};
        border-color: ${C.success};
        color: ${C.successText};
      }
      .track {
        width: 52px;
        height: 30px;
        border-radius: 15px;
        background: ${C.surface};
        border: 2px solid ${C.muted};
        position: relative;
        flex: none;
      }
      .knob {
        position: absolute;
        top: 3px;
        left: 3px;
        width: 20px;
        height: 20px;
        border-radius: 50%;
        background: ${C.muted};
        transition: left 0.15s;
      }
      [aria-checked='true'] .track {
        border-color: ${C.surface};
      }
      [aria-checked='true'] .knob {
        left: 25px;
        background: ${C.success};
      }
      .state {
        font-weight: 700;
      }
    `,
  ];

  override render() {
    return html`<button
      class="btn outline"
      role="switch"
      data-action="live"
      aria-checked=${this.on ? 'true' : 'false'}
      ?disabled=${this.disabled}
      @click=${() => emit(this, 'ld-live-change', { on: !this.on })}
    >
      <span class="track" aria-hidden="true"><span class="knob"></span></span>
      <span>${this.t('live.toggle')}</span>
      <span class="state">${this.t(this.on ? 'live.on' : 'live.off')}</span>
    </button>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-live-toggle': LiveToggle;
  }
}
