/** One sample in the home list: reference, where it stands, its count, its sync state. A tap opens it. */
import { css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { SampleSummary } from '../api/types.ts';
import { emit } from '../events.ts';
import { isSigned } from '../logic/samples.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';
import { icons } from './icons.ts';
import { KioskElement } from './kiosk-element.ts';

@customElement('ld-sample-row')
export class SampleRow extends KioskElement {
  @property({ attribute: false }) sample: SampleSummary | null = null;
  @property({ type: Number }) target = 100;

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
      }
      .row {
        width: 100%;
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 4px 12px;
        align-items: center;
        padding: 10px 14px;
        min-height: 72px;
        border: 2px solid ${C.line};
        border-radius: 12px;
        background: ${C.surface};
        text-align: left;
        cursor: pointer;
      }
      .ref {
        font-weight: 800;
        font-size: 22px;
      }
      .meta {
        display: flex;
        flex-wrap: wrap;
        gap: 6px 14px;
        font-size: 17px;
        color: ${C.muted};
      }
      .pill {
        display: inline-flex;
        align-items: center;
        gap: 4px;
        border-radius: 999px;
        padding: 2px 10px;
        font-size: 16px;
        font-weight: 700;
        background: ${C.secondary};
        color: ${C.secondaryText};
      }
      .pill svg {
        width: 20px;
        height: 20px;
      }
      .pill.review {
        background: ${C.flag};
        color: ${C.flagText};
      }
      .pill.signed {
        background: ${C.success};
        color: ${C.successText};
      }
      .pill.retrying {
        background: ${C.warningBg};
        color: ${C.warningText};
      }
      .side {
        display: flex;
        flex-direction: column;
        align-items: flex-end;
        gap: 4px;
      }
    `,
  ];

  override render() {
    const s = this.sample;
    if (!s) return html``;
    const signed = isSigned(s.status);
    return html`<button class="row" data-sample=${s.id} data-reference=${s.reference} @click=${() => emit(this, 'ld-navigate', { screen: 'differential', sampleId: s.id })}>
      <div>
        <div class="ref">${s.reference}</div>
        <div class="meta">
          <span>${this.i18n.i18n.time(s.updatedAt)}</span>
          <span>${this.t('home.fields', { n: s.fieldCount })}</span>
          <span>${this.t('home.cells', { n: s.counted, target: this.target })}</span>
        </div>
      </div>
      <div class="side">
        <span class="pill ${signed ? 'signed' : s.reviewPending ? 'review' : ''}" data-status=${s.status}>
          ${signed ? icons.check : ''}${s.amended ? this.t('status.amended') : s.reviewPending && !signed ? this.t('home.toCheck', { n: s.reviewPending }) : this.t(`status.${s.status}`)}
        </span>
        ${
          s.hubReview
            ? html`<span class="pill ${s.hubReview.outcome === 'conflict' ? 'retrying' : ''}" data-hub-review=${s.hubReview.outcome}
                >${s.hubReview.outcome === 'conflict' ? this.t('hubReview.rowConflict') : this.t('hubReview.rowApplied', { name: s.hubReview.reviewer })}</span
              >`
            : ''
        }
        <span class="pill ${s.sync.state === 'retrying' || s.sync.setAside ? 'retrying' : ''}" data-sync=${s.sync.state}>
          ${icons.sync}${s.sync.setAside ? this.t('sync.setAside') : this.t(`sync.${s.sync.state}`)}
        </span>
      </div>
    </button>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-sample-row': SampleRow;
  }
}
