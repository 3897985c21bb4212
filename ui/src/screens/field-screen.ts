/**
 * One field's result: the photo with every cell, a side panel with this field's counts and the
 * sample's running counter; tapping a cell opens its sheet there (kept in the address, so a reload
 * reopens it), press-and-hold adds a missed cell.
 */
import { ContextConsumer } from '@lit/context';
import { css, html, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Box, CellClass, FieldWithCells } from '../api/types.ts';
import '../components/cell-sheet.ts';
import '../components/count-progress.ts';
import '../components/field-viewer.ts';
import { icons } from '../components/icons.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import { promptsContext, setupContext } from '../context.ts';
import { SampleController } from '../controllers/sample-controller.ts';
import { emit } from '../events.ts';
import { busyWhile } from '../logic/busy-while.ts';
import { needsCheck, nextPending, tally } from '../logic/counts.ts';
import { boxAround, typicalSide } from '../logic/viewport.ts';
import { TYPE_COLOURS } from '../theme/colours.ts';
import { baseStyles, CSS_TYPE_TEXT } from '../theme/styles.ts';
import { CellActions, loadingNotice } from './sample-actions.ts';
import { CELL_CLASSES } from '../api/types.ts';

@customElement('ld-field-screen')
export class FieldScreen extends KioskElement {
  @property() sampleId = '';
  @property() fieldId = '';
  @property() cellId: string | null = null;
  @state() private draftBox: Box | null = null;
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
      ld-field-viewer {
        flex: 1;
        min-width: 0;
      }
      .side {
        width: 400px;
        flex: none;
      }
      ld-cell-sheet {
        flex: 1;
      }
      .chips {
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
      }
      .chip {
        display: inline-flex;
        align-items: center;
        gap: 6px;
        padding: 4px 10px 4px 4px;
        border-radius: 999px;
        background: #fff;
        font-weight: 700;
        font-size: 18px;
      }
      .chip b {
        display: inline-flex;
        align-items: center;
        justify-content: center;
        width: 28px;
        height: 28px;
        border-radius: 50%;
        color: ${CSS_TYPE_TEXT};
      }
      .side > * {
        flex-shrink: 0;
      }
      .bottom {
        margin-top: auto;
        display: flex;
        gap: 8px;
      }
      .bottom .btn {
        flex: 1;
        padding: 8px 10px;
        white-space: nowrap;
      }
      /* The one part that gives way on a small screen (long French lines): the buttons stay on it. */
      .side > .hint {
        font-size: 17px;
        flex-shrink: 1;
        min-height: 0;
        overflow: hidden;
      }
      @media (max-height: 700px) {
        .side {
          gap: 8px;
        }
        .side > .hint {
          font-size: 16px;
          line-height: 1.3;
        }
      }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('sampleId')) this.sample.sampleId = this.sampleId;
    if (changed.has('fieldId') || changed.has('cellId')) this.draftBox = null;
  }

  private get field(): FieldWithCells | undefined {
    return this.sample.detail?.fields.find((f) => f.id === this.fieldId);
  }

  private select(cellId: string | null) {
    this.draftBox = null;
    emit(this, 'ld-navigate', cellId ? { screen: 'field', sampleId: this.sampleId, fieldId: this.fieldId, cellId } : { screen: 'field', sampleId: this.sampleId, fieldId: this.fieldId });
  }

  private goToNextPending() {
    const detail = this.sample.detail;
    const next = detail && nextPending(detail, this.cellId ?? undefined);
    if (next) emit(this, 'ld-navigate', { screen: 'field', sampleId: this.sampleId, fieldId: next.fieldId, cellId: next.id });
  }

  private startAdding(x: number, y: number) {
    const field = this.field;
    if (!field) return;
    const size = { width: field.image.width, height: field.image.height };
    this.draftBox = boxAround(
      { x, y },
      typicalSide(
        field.cells.map((c) => c.box),
        size,
      ),
      size,
    );
    if (this.cellId) this.select(null);
  }

  private add(type: CellClass) {
    const box = this.draftBox;
    if (!box) return;
    void busyWhile(this, async () => {
      const cell = await this.actions.add(this.fieldId, box, type);
      if (cell) this.select(cell.id);
    });
  }

  /** Where the field's micrometres came from: the nurse must know when typing ran on a guessed scale. */
  private renderScale(field: FieldWithCells) {
    const scale = field.analysis?.scale;
    if (!scale) return '';
    if (scale.umPerPixel === null) return html`<p class="notice warning" data-field-scale="unmeasured">${this.t('field.scaleUnknown')}</p>`;
    const um = this.i18n.i18n.number(scale.umPerPixel, 4);
    if (scale.measuredUmPerPixel !== undefined) {
      const measured = this.i18n.i18n.number(scale.measuredUmPerPixel, 4);
      return html`<p class="notice warning" data-field-scale="overruled">${this.t('field.scaleOverruled', { um, measured })}</p>`;
    }
    const key = scale.source === 'measured' ? 'field.scaleMeasured' : scale.source === 'calibrated' ? 'field.scaleCalibrated' : 'field.scaleGiven';
    return html`<p class="muted" data-field-scale=${scale.source}>${this.t(key, { um, n: scale.rbcCount })}</p>`;
  }

  private renderSummary(field: FieldWithCells) {
    const detail = this.sample.detail!;
    const counts = tally(field.cells);
    const pendingHere = field.cells.filter(needsCheck).length;
    const pendingAll = detail.differential.review.pending;
    return html`<h1>${this.t('field.title', { n: field.seq })}</h1>
      <p class="muted">${detail.reference} · ${this.t('field.cells', { n: field.cells.length })}</p>
      ${this.renderScale(field)}
      <ld-count-progress .counted=${detail.differential.counted} .target=${detail.differential.target}></ld-count-progress>
      <div class="chips">
        ${CELL_CLASSES.filter((c) => counts[c] > 0).map((c) => html`<span class="chip" data-field-count=${c}><b style="background:${TYPE_COLOURS[c]}">${this.t(`short.${c}`)}</b>${counts[c]}</span>`)}
      </div>
      ${field.cells.length ? '' : html`<p class="notice">${this.t('field.noCells')}</p>`}
      ${pendingHere ? html`<p class="notice warning" data-pending-here=${pendingHere}>${this.t('field.toCheck', { n: pendingHere })}</p>` : html`<p class="notice">${this.t('field.allChecked')}</p>`}
      ${pendingAll ? html`<button class="btn primary" data-action="next-pending" @click=${() => this.goToNextPending()}>${this.t('field.nextToCheck')}${icons.next}</button>` : ''}
      <p class="muted hint">${this.t('field.hint')}</p>
      <div class="bottom">
        <button class="btn outline" data-action="next-field" @click=${() => emit(this, 'ld-navigate', { screen: 'capture', sampleId: this.sampleId })}>
          ${icons.camera}${this.t('field.nextField')}
        </button>
        <button class="btn primary" data-action="differential" @click=${() => emit(this, 'ld-navigate', { screen: 'differential', sampleId: this.sampleId })}>
          ${this.t('field.differential')}
        </button>
      </div>`;
  }

  override render() {
    const detail = this.sample.detail;
    const field = this.field;
    if (!detail || !field) return loadingNotice(this.i18n.i18n, this.sample.error);
    if (field.status !== 'analysed') return html`<div class="screen"><p class="notice">${this.t('field.waiting')}</p></div>`;
    const cell = this.cellId ? (field.cells.find((c) => c.id === this.cellId) ?? null) : null;
    const models = this.setup.value?.engine?.ensemble.members.length ?? 1;
    return html`<div class="screen">
      <ld-field-viewer
        .imageUrl=${this.api.fieldImageUrl(field.id)}
        .imageWidth=${field.image.width}
        .imageHeight=${field.image.height}
        .cells=${field.cells}
        .selectedId=${this.cellId}
        .draftBox=${this.draftBox}
        @ld-cell-select=${(e: CustomEvent<{ cellId: string }>) => this.select(e.detail.cellId)}
        @ld-long-press=${(e: CustomEvent<{ x: number; y: number }>) => this.startAdding(e.detail.x, e.detail.y)}
      ></ld-field-viewer>
      <div class="column side">
        ${
          cell || this.draftBox
            ? html`<ld-cell-sheet
              .cell=${cell}
              .adding=${!!this.draftBox}
              .models=${models}
              .cropUrl=${cell ? this.api.cropUrl(cell.id) : ''}
              .pendingCount=${detail.differential.review.pending}
              .busy=${this.busy}
              @ld-sheet-close=${() => this.select(null)}
              @ld-sheet-next=${() => this.goToNextPending()}
              @ld-cell-classify=${(e: CustomEvent<{ cellId: string; type: CellClass }>) => void busyWhile(this, () => this.actions.classify(e.detail.cellId, e.detail.type))}
              @ld-cell-confirm=${(e: CustomEvent<{ cellId: string }>) => void busyWhile(this, () => this.actions.confirm(e.detail.cellId))}
              @ld-cell-add=${(e: CustomEvent<{ type: CellClass }>) => this.add(e.detail.type)}
            ></ld-cell-sheet>`
            : this.renderSummary(field)
        }
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-field-screen': FieldScreen;
  }
}
