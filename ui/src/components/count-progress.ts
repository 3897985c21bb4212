/** The running counter: cells counted towards the target, as a number and a bar. */
import { css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { progress } from '../logic/counts.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';
import { icons } from './icons.ts';
import { KioskElement } from './kiosk-element.ts';

@customElement('ld-count-progress')
export class CountProgress extends KioskElement {
  @property({ type: Number }) counted = 0;
  @property({ type: Number }) target = 100;

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
      }
      .line {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 8px;
        font-weight: 700;
        font-size: 22px;
      }
      .reached {
        color: ${C.success};
        display: inline-flex;
        align-items: center;
        gap: 4px;
        font-size: 18px;
      }
      .reached svg {
        width: 24px;
        height: 24px;
      }
      .bar {
        margin-top: 6px;
        height: 14px;
        border-radius: 7px;
        background: ${C.secondary};
        overflow: hidden;
        border: 1px solid ${C.line};
      }
      .fill {
        height: 100%;
        background: ${C.primary};
      }
      .fill.done {
        background: ${C.success};
      }
    `,
  ];

  override render() {
    const p = progress(this.counted, this.target);
    return html`<div class="line">
        <span data-counter>${this.t('diff.counted', { n: this.counted, target: this.target })}</span>
        ${p.reached ? html`<span class="reached">${icons.check}${this.t('diff.reached')}</span>` : ''}
      </div>
      <div class="bar" role="progressbar" aria-valuemin="0" aria-valuemax=${this.target} aria-valuenow=${Math.min(this.counted, this.target)}>
        <div class="fill ${p.reached ? 'done' : ''}" style="width: ${(p.fraction * 100).toFixed(1)}%"></div>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-count-progress': CountProgress;
  }
}
