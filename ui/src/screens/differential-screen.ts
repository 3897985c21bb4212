/**
 * The sample's differential: the running count towards the target, the five types with
 * percentages and flags, and the gallery of every cell by type, where a cell is tapped open or
 * dragged to another type. From here: another field, sign-off, the report.
 */
import { ContextConsumer } from '@lit/context';
import { css, html, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { CellClass, SampleDetail } from '../api/types.ts';
import '../components/cell-gallery.ts';
import '../components/cell-sheet.ts';
import '../components/count-progress.ts';
import '../components/differential-table.ts';
import { icons } from '../components/icons.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import { promptsContext, setupContext } from '../context.ts';
import { SampleController } from '../controllers/sample-controller.ts';
import { emit } from '../events.ts';
import { busyWhile } from '../logic/busy-while.ts';
import { allCells, nextPending } from '../logic/counts.ts';
import { isSigned } from '../logic/samples.ts';
import { baseStyles } from '../theme/styles.ts';
import { CellActions, loadingNotice } from './sample-actions.ts';
import { hubReviewText } from '../logic/hub-review.ts';

@customElement('ld-differential-screen')
export class DifferentialScreen extends KioskElement {
  @property() sampleId = '';
  @state() private selectedId: string | null = null;
  @state() busy = false;

  private readonly sample = new SampleController(this);
  private readonly setup = new ContextConsumer(this, { context: setupContext, subscribe: true });
  private readonly prompts = new ContextConsumer(this, { context: promptsContext });
  private readonly actions = new CellActions(
    () => this.api,
    this.sample,
    () => this.prompts.value,
  );

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        height: 100%;
      }
      .left {
        width: clamp(450px, 42%, 540px);
        flex: none;
        padding-right: 4px;
      }
      .table {
        flex: 1;
        min-height: 0;
      }
      .right {
        flex: 1;
        min-width: 0;
        position: relative;
      }
      .gallery {
        flex: 1;
        min-height: 0;
      }
      ld-cell-sheet {
        position: absolute;
        top: 0;
        right: 0;
        bottom: 0;
        width: min(420px, 100%);
        box-shadow: -6px 0 24px rgb(0 0 0 / 0.25);
        z-index: 5;
      }
      .actions {
        display: grid;
        grid-template-columns: 1fr 1fr 1fr;
        gap: 8px;
      }
      .actions .btn {
        padding: 6px 8px;
        font-size: 18px;
        flex-direction: column;
        gap: 2px;
      }
      .pending {
        display: flex;
        align-items: center;
        gap: 12px;
        justify-content: space-between;
      }
      .head {
        display: flex;
        align-items: baseline;
        gap: 12px;
      }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('sampleId')) {
      this.sample.sampleId = this.sampleId;
      this.selectedId = null;
    }
  }

  private checkPending() {
    const detail = this.sample.detail;
    const next = detail && nextPending(detail);
    if (next) emit(this, 'ld-navigate', { screen: 'field', sampleId: this.sampleId, fieldId: next.fieldId, cellId: next.id });
  }

  /** The newest review from the hub: what it changed, or that nothing of it applied, why and what it proposed. */
  private renderHubReview(r: SampleDetail['hubReview']) {
    if (!r) return '';
    return html`<p class="notice ${r.outcome === 'conflict' ? 'warning' : ''}" data-hub-review=${r.outcome}>${hubReviewText((k, v) => this.t(k, v), r)}</p>`;
  }

  override render() {
    const detail = this.sample.detail;
    if (!detail) return loadingNotice(this.i18n.i18n, this.sample.error);
    const d = detail.differential;
    const cells = allCells(detail);
    const selected = this.selectedId ? (cells.find((c) => c.id === this.selectedId) ?? null) : null;
    const go = (screen: 'capture' | 'sign' | 'report') => () => emit(this, 'ld-navigate', { screen, sampleId: this.sampleId });
    return html`<div class="screen">
      <div class="column left">
        <div class="head">
          <h1>${this.t('diff.title')}</h1>
          <span class="muted" data-reference>${detail.reference}</span>
        </div>
        <ld-count-progress .counted=${d.counted} .target=${d.target}></ld-count-progress>
        ${
          d.review.unseen
            ? html`<div class="notice warning pending" data-unseen=${d.review.unseen}>
              <span>${this.t('review.unseen', { n: d.review.unseen })}</span>
              <button class="btn primary" data-action="review" @click=${() => emit(this, 'ld-navigate', { screen: 'review', sampleId: this.sampleId })}>
                ${this.t('diff.review')}
              </button>
            </div>`
            : d.review.pending
              ? html`<div class="notice warning pending" data-pending=${d.review.pending}>
                <span>${this.t('diff.toCheck', { n: d.review.pending })}</span>
                <button class="btn primary" data-action="check" @click=${() => this.checkPending()}>${this.t('diff.check')}</button>
              </div>`
              : ''
        }
        ${isSigned(detail.status) && detail.signedAt ? html`<p class="notice" data-signed>${icons.check} ${this.t('sign.signed')} ${this.i18n.i18n.dateTime(detail.signedAt)}</p>` : ''}
        ${this.renderHubReview(detail.hubReview)}
        <div class="table scroll">
          ${d.counted ? html`<ld-differential-table .differential=${d}></ld-differential-table>` : html`<p class="notice">${this.t('diff.empty')}</p>`}
          ${d.notLeukocyte ? html`<p class="muted">${this.t('diff.rejected', { n: d.notLeukocyte })}</p>` : ''}
        </div>
        <div class="actions">
          <button class="btn outline" data-action="add-field" @click=${go('capture')}>${icons.camera}${this.t('diff.addField')}</button>
          <button class="btn primary" data-action="sign" @click=${go('sign')}>${icons.sign}${this.t('diff.signOff')}</button>
          <button class="btn outline" data-action="report" @click=${go('report')}>${icons.report}${this.t('diff.report')}</button>
        </div>
      </div>
      <div class="column right">
        <h2>${this.t('diff.gallery')}</h2>
        <p class="muted">${this.t('diff.galleryHint')}</p>
        <ld-cell-gallery
          class="gallery scroll"
          .cells=${cells}
          .selectedId=${this.selectedId}
          @ld-cell-select=${(e: CustomEvent<{ cellId: string }>) => (this.selectedId = e.detail.cellId)}
          @ld-cell-classify=${(e: CustomEvent<{ cellId: string; type: CellClass }>) => void busyWhile(this, () => this.actions.classify(e.detail.cellId, e.detail.type))}
        ></ld-cell-gallery>
        ${
          selected
            ? html`<ld-cell-sheet
              .cell=${selected}
              .models=${this.setup.value?.engine?.ensemble.members.length ?? 1}
              .cropUrl=${this.api.cropUrl(selected.id)}
              .pendingCount=${d.review.pending}
              .busy=${this.busy}
              @ld-cell-classify=${(e: CustomEvent<{ cellId: string; type: CellClass }>) => {
                e.stopPropagation();
                void busyWhile(this, () => this.actions.classify(e.detail.cellId, e.detail.type));
              }}
              @ld-cell-confirm=${(e: CustomEvent<{ cellId: string }>) => void busyWhile(this, () => this.actions.confirm(e.detail.cellId))}
              .canRemove=${true}
              @ld-cell-remove=${(e: CustomEvent<{ cellId: string }>) =>
                void busyWhile(this, async () => {
                  if (await this.actions.removeDuplicate(e.detail.cellId, this.t('reason.duplicate'))) this.selectedId = null;
                })}
              @ld-sheet-close=${() => (this.selectedId = null)}
              @ld-sheet-next=${() => (this.selectedId = nextPending(detail, this.selectedId ?? undefined)?.id ?? null)}
            ></ld-cell-sheet>`
            : ''
        }
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-differential-screen': DifferentialScreen;
  }
}
