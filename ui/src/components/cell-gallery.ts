/**
 * Every cell of the sample, grouped by type, the way haematologists review: a wrong cell stands
 * out among its neighbours. Tap a cell to open it; drag it onto another group to change its type.
 * The classes only a person gives (band, immature granulocyte, blast, reactive lymphocyte, NRBC,
 * smudge) get a section once they hold a cell; while empty they wait side by side in one row of
 * drop targets at the end, so the five, unidentified and "not a leukocyte" stay near the top.
 */
import { css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { NON_LEUKOCYTE_CLASSES, OTHER_LEUKOCYTE_CLASSES, type Cell, type CellClass } from '../api/types.ts';
import { emit } from '../events.ts';
import { groupByClass, needsCheck } from '../logic/counts.ts';
import { TYPE_COLOURS } from '../theme/colours.ts';
import { baseStyles, CSS_COLOURS as C, CSS_TYPE_TEXT } from '../theme/styles.ts';
import { KioskElement } from './kiosk-element.ts';

/** A finger must travel this far before a tap becomes a drag. */
const DRAG_START_PX = 12;
/** Dragging this close to the gallery's top or bottom edge scrolls it, so every group can be reached. */
const EDGE_PX = 64;
const SCROLL_STEP_PX = 14;
/** Classes whose empty group is a compact drop target in the shared row. */
const COMPACT_WHEN_EMPTY: readonly CellClass[] = [...OTHER_LEUKOCYTE_CLASSES, ...NON_LEUKOCYTE_CLASSES];

interface Drag {
  cellId: string;
  pointerId: number;
  start: { x: number; y: number };
  at: { x: number; y: number };
  moving: boolean;
  over: CellClass | null;
}

@customElement('ld-cell-gallery')
export class CellGallery extends KioskElement {
  @property({ attribute: false }) cells: Cell[] = [];
  @property() selectedId: string | null = null;
  @state() private drag: Drag | null = null;
  private scroller: ReturnType<typeof setInterval> | undefined;
  /** The click that ends a drag is not a tap. */
  private dragged = false;

  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 10px;
        position: relative;
      }
      section {
        border: 2px solid transparent;
        border-radius: 12px;
        padding: 6px;
        background: ${C.surface};
      }
      section.vacant {
        display: flex;
        align-items: center;
        gap: 12px;
        min-height: 56px;
      }
      section.vacant h3 {
        margin: 0;
      }
      section.vacant .tiles {
        min-height: 0;
      }
      .drop-row {
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
      }
      .drop-row section.vacant {
        flex: 1 1 150px;
        min-height: 52px;
        padding: 4px 8px;
      }
      .drop-row h3 {
        font-size: 16px;
        line-height: 1.15;
      }
      section.over {
        border-color: ${C.primary};
        background: ${C.infoBg};
      }
      h3 {
        display: flex;
        align-items: center;
        gap: 8px;
        font-size: 18px;
        margin-bottom: 6px;
      }
      .chip {
        display: inline-flex;
        align-items: center;
        justify-content: center;
        min-width: 28px;
        padding: 0 3px;
        box-sizing: border-box;
        height: 28px;
        border-radius: 7px;
        color: ${CSS_TYPE_TEXT};
        font-weight: 800;
        flex: none;
      }
      .tiles {
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
        min-height: 48px;
      }
      .tile {
        position: relative;
        width: 72px;
        height: 72px;
        padding: 0;
        border: 3px solid transparent;
        border-radius: 10px;
        overflow: hidden;
        background: ${C.page};
        touch-action: none;
        cursor: pointer;
      }
      .tile img {
        width: 100%;
        height: 100%;
        object-fit: cover;
        pointer-events: none;
        display: block;
      }
      .tile.pending {
        border-color: ${C.flag};
      }
      .tile.selected {
        border-color: ${C.text};
      }
      .tile.dragging {
        opacity: 0.35;
      }
      .badge {
        position: absolute;
        top: 2px;
        right: 2px;
        background: ${C.flag};
        color: ${C.flagText};
        font-weight: 800;
        border-radius: 6px;
        padding: 0 6px;
        font-size: 15px;
      }
      .empty {
        color: ${C.muted};
        font-size: 17px;
        align-self: center;
      }
      .ghost {
        position: fixed;
        width: 80px;
        height: 80px;
        border-radius: 12px;
        overflow: hidden;
        pointer-events: none;
        box-shadow: 0 6px 20px rgb(0 0 0 / 0.45);
        z-index: 30;
        transform: translate(-50%, -50%);
      }
      .ghost img {
        width: 100%;
        height: 100%;
        object-fit: cover;
      }
    `,
  ];

  private groupUnder(x: number, y: number): CellClass | null {
    const hit = this.renderRoot instanceof ShadowRoot ? this.renderRoot.elementsFromPoint(x, y) : [];
    const section = hit.find((el) => el instanceof HTMLElement && el.dataset.group) as HTMLElement | undefined;
    return (section?.dataset.group as CellClass | undefined) ?? null;
  }

  private onDown(e: PointerEvent, cell: Cell) {
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    this.drag = { cellId: cell.id, pointerId: e.pointerId, start: { x: e.clientX, y: e.clientY }, at: { x: e.clientX, y: e.clientY }, moving: false, over: null };
    clearInterval(this.scroller);
    this.scroller = setInterval(() => this.scrollNearEdge(), 30);
  }

  private scrollNearEdge() {
    const d = this.drag;
    if (!d?.moving) return;
    const r = this.getBoundingClientRect();
    const step = d.at.y < r.top + EDGE_PX ? -SCROLL_STEP_PX : d.at.y > r.bottom - EDGE_PX ? SCROLL_STEP_PX : 0;
    if (!step) return;
    this.scrollTop += step;
    this.drag = { ...d, over: this.groupUnder(d.at.x, d.at.y) };
  }

  private endDrag() {
    clearInterval(this.scroller);
    this.drag = null;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.scroller);
  }

  private onMove(e: PointerEvent) {
    const d = this.drag;
    if (!d || d.pointerId !== e.pointerId) return;
    const moving = d.moving || Math.hypot(e.clientX - d.start.x, e.clientY - d.start.y) > DRAG_START_PX;
    this.drag = { ...d, at: { x: e.clientX, y: e.clientY }, moving, over: moving ? this.groupUnder(e.clientX, e.clientY) : null };
  }

  private onUp(e: PointerEvent, cell: Cell) {
    const d = this.drag;
    this.endDrag();
    if (!d || d.pointerId !== e.pointerId) return;
    this.dragged = d.moving;
    if (!d.moving) return;
    const target = this.groupUnder(e.clientX, e.clientY);
    if (target && target !== cell.type) emit(this, 'ld-cell-classify', { cellId: cell.id, type: target });
  }

  /**
   * A tap opens the cell on the click, not on pointerup: the sheet then opens after the click that
   * a touch produces, so that click cannot land on the sheet's buttons.
   */
  private onTap(cell: Cell) {
    if (this.dragged) {
      this.dragged = false;
      return;
    }
    emit(this, 'ld-cell-select', { cellId: cell.id });
  }

  private renderGroup(type: CellClass, cells: Cell[]) {
    const d = this.drag;
    return html`<section data-group=${type} class="${d?.moving && d.over === type ? 'over' : ''} ${cells.length ? '' : 'vacant'}">
      <h3><span class="chip" style="background:${TYPE_COLOURS[type]}">${this.t(`short.${type}`)}</span>${this.t(`type.${type}`)} · ${cells.length}</h3>
      <div class="tiles">
        ${
          cells.length
            ? cells.map(
                (c) => html`<button
                class="tile ${needsCheck(c) ? 'pending' : ''} ${c.id === this.selectedId ? 'selected' : ''} ${d?.moving && d.cellId === c.id ? 'dragging' : ''}"
                data-tile=${c.id}
                aria-label=${this.t(`type.${c.type}`)}
                @pointerdown=${(e: PointerEvent) => this.onDown(e, c)}
                @pointermove=${this.onMove}
                @pointerup=${(e: PointerEvent) => this.onUp(e, c)}
                @pointercancel=${() => this.endDrag()}
                @click=${() => this.onTap(c)}
              >
                <img src=${this.api.cropUrl(c.id)} alt="" loading="lazy" />
                ${needsCheck(c) ? html`<span class="badge">!</span>` : ''}
              </button>`,
              )
            : COMPACT_WHEN_EMPTY.includes(type)
              ? ''
              : html`<span class="empty">${this.t('diff.none')}</span>`
        }
      </div>
    </section>`;
  }

  override render() {
    const groups = [...groupByClass(this.cells)];
    const compact = groups.filter(([type, cells]) => !cells.length && COMPACT_WHEN_EMPTY.includes(type));
    const d = this.drag;
    return html`${groups.filter(([type]) => !compact.some(([t]) => t === type)).map(([type, cells]) => this.renderGroup(type, cells))}
      ${compact.length ? html`<div class="drop-row" data-drop-row>${compact.map(([t, c]) => this.renderGroup(t, c))}</div>` : ''}
      ${d?.moving ? html`<div class="ghost" style="left:${d.at.x}px; top:${d.at.y}px"><img src=${this.api.cropUrl(d.cellId)} alt="" /></div>` : ''}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-cell-gallery': CellGallery;
  }
}
