/** After a capture: what is wrong with the photo and what to do, with Retake or Keep. */
import { css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { QualityWarning } from '../api/types.ts';
import { emit } from '../events.ts';
import { qualityWarningText } from '../logic/quality-warnings.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';
import { dialogStyles } from './dialog-styles.ts';
import { icons } from './icons.ts';
import { KioskElement } from './kiosk-element.ts';

@customElement('ld-quality-dialog')
export class QualityDialog extends KioskElement {
  @property({ attribute: false }) warnings: QualityWarning[] = [];
  @property() thumbnailUrl = '';
  @property({ type: Boolean }) busy = false;

  static override styles = [
    baseStyles,
    dialogStyles,
    css`
      .body {
        display: flex;
        gap: 16px;
        align-items: flex-start;
      }
      img {
        width: 200px;
        border-radius: 10px;
        flex: none;
      }
      ul {
        margin: 0;
        padding: 0;
        list-style: none;
        display: flex;
        flex-direction: column;
        gap: 10px;
      }
      li {
        display: flex;
        gap: 10px;
        background: ${C.warningBg};
        color: ${C.warningText};
        border-radius: 10px;
        padding: 10px 12px;
        font-weight: 600;
      }
      li svg {
        width: 28px;
        height: 28px;
        flex: none;
      }
      h2 svg {
        width: 32px;
        height: 32px;
        vertical-align: -6px;
      }
    `,
  ];

  override render() {
    return html`<div class="backdrop">
      <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="title" data-dialog="quality">
        <h2 id="title">${icons.warning} ${this.t('quality.title')}</h2>
        <div class="body">
          ${this.thumbnailUrl ? html`<img src=${this.thumbnailUrl} alt="" />` : ''}
          <div>
            <p>${this.t('quality.intro')}</p>
            <ul>
              ${this.warnings.map((w) => html`<li data-warning=${w.code}>${icons.warning}<span>${qualityWarningText(w, (k) => this.t(k))}</span></li>`)}
            </ul>
          </div>
        </div>
        <div class="actions">
          <button class="btn outline big" data-action="keep" ?disabled=${this.busy} @click=${() => emit(this, 'ld-quality-decision', { keep: true })}>
            ${this.t('quality.keep')}
          </button>
          <button class="btn primary big" data-action="retake" ?disabled=${this.busy} @click=${() => emit(this, 'ld-quality-decision', { keep: false })}>
            ${icons.camera}${this.t('quality.retake')}
          </button>
        </div>
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-quality-dialog': QualityDialog;
  }
}
