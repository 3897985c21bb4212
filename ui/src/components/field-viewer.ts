/**
 * A field photo with every cell's box, coloured and lettered by type; cells to check wear a yellow
 * halo and a "!". One finger pans (once zoomed), two pinch, a tap picks a cell, press-and-hold on
 * a missed cell asks to add it. Big zoom buttons for gloves that cannot pinch, in a strip beside the
 * photo so that they never cover a cell.
 */
import { css, html, svg, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { Box, Cell } from '../api/types.ts';
import { emit } from '../events.ts';
import type { MessageKey } from '../i18n/en.ts';
import { needsCheck } from '../logic/counts.ts';
import { clampViewport, fitViewport, hitTest, panBy, pinch, toImage, zoomAt, type Point, type Size, type Viewport } from '../logic/viewport.ts';
import { COLOURS, TYPE_COLOURS, TYPE_TEXT } from '../theme/colours.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';
import { icons } from './icons.ts';
import { KioskElement } from './kiosk-element.ts';

const LONG_PRESS_MS = 650;
/** A finger that moves less than this is still tapping. */
const TAP_SLOP_PX = 14;
/** How far outside a box a gloved tap still picks it, in screen pixels. */
const TOUCH_SLACK_PX = 16;
const LABEL_PX = 22;

type Gesture = { kind: 'none' } | { kind: 'press'; start: Point; timer: ReturnType<typeof setTimeout> } | { kind: 'pan'; last: Point } | { kind: 'pinch'; start: Viewport; from: [Point, Point] };

@customElement('ld-field-viewer')
export class FieldViewer extends KioskElement {
  @property() imageUrl = '';
  @property({ type: Number }) imageWidth = 1;
  @property({ type: Number }) imageHeight = 1;
  @property({ attribute: false }) cells: Cell[] = [];
  @property() selectedId: string | null = null;
  /** The box of a cell being added, drawn dashed until its type is chosen. */
  @property({ attribute: false }) draftBox: Box | null = null;

  @state() private viewport: Viewport | null = null;
  @state() private view: Size = { width: 0, height: 0 };
  @query('svg.surface') private surface!: SVGSVGElement;
  /** The photo's area: the host less the zoom strip. */
  @query('.stage') private stage!: HTMLElement;

  private readonly pointers = new Map<number, Point>();
  private gesture: Gesture = { kind: 'none' };
  private readonly resize = new ResizeObserver(([entry]) => {
    if (entry) this.view = { width: entry.contentRect.width, height: entry.contentRect.height };
  });

  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        position: relative;
        overflow: hidden;
        background: #1f2937;
        border-radius: 12px;
        touch-action: none;
        user-select: none;
        -webkit-user-select: none;
      }
      .stage {
        flex: 1;
        min-width: 0;
        position: relative;
        overflow: hidden;
      }
      .surface {
        position: absolute;
        inset: 0;
        width: 100%;
        height: 100%;
        display: block;
      }
      .zoom {
        flex: none;
        display: flex;
        flex-direction: column;
        justify-content: flex-end;
        gap: 8px;
        padding: 8px;
      }
      .zoom .btn {
        background: rgb(255 255 255 / 0.94);
        color: ${C.text};
        padding: 0;
        width: 56px;
      }
      text {
        font-family: system-ui, 'DejaVu Sans', sans-serif;
        font-weight: 800;
        pointer-events: none;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) this.resize.observe(this.stage);
  }

  protected override firstUpdated(): void {
    this.resize.observe(this.stage);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize.disconnect();
    this.cancelPress();
  }

  private get image(): Size {
    return { width: this.imageWidth, height: this.imageHeight };
  }

  override willUpdate(changed: PropertyValues): void {
    if (!this.view.width || !this.view.height) return;
    const imageChanged = changed.has('imageUrl') || changed.has('imageWidth') || changed.has('imageHeight');
    if (!this.viewport || imageChanged) this.viewport = fitViewport(this.image, this.view);
    else if (changed.has('view')) this.viewport = clampViewport(this.viewport, this.image, this.view);
  }

  private local(e: PointerEvent): Point {
    const r = this.surface.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private onPointerDown(e: PointerEvent) {
    if (!this.viewport) return;
    this.surface.setPointerCapture(e.pointerId);
    this.pointers.set(e.pointerId, this.local(e));
    this.cancelPress();
    if (this.pointers.size === 1) {
      const start = this.local(e);
      this.gesture = { kind: 'press', start, timer: setTimeout(() => this.onLongPress(start), LONG_PRESS_MS) };
    } else if (this.pointers.size === 2) {
      const [a, b] = [...this.pointers.values()] as [Point, Point];
      this.gesture = { kind: 'pinch', start: this.viewport, from: [a, b] };
    }
  }

  private onPointerMove(e: PointerEvent) {
    if (!this.pointers.has(e.pointerId) || !this.viewport) return;
    const p = this.local(e);
    this.pointers.set(e.pointerId, p);
    const g = this.gesture;
    if (g.kind === 'press' && Math.hypot(p.x - g.start.x, p.y - g.start.y) > TAP_SLOP_PX) {
      this.cancelPress();
      this.gesture = { kind: 'pan', last: p };
    } else if (g.kind === 'pan') {
      this.viewport = panBy(this.viewport, p.x - g.last.x, p.y - g.last.y, this.image, this.view);
      this.gesture = { kind: 'pan', last: p };
    } else if (g.kind === 'pinch' && this.pointers.size >= 2) {
      const [a, b] = [...this.pointers.values()] as [Point, Point];
      this.viewport = pinch(g.start, g.from, [a, b], this.image, this.view);
    }
  }

  private onPointerUp(e: PointerEvent) {
    if (!this.pointers.has(e.pointerId)) return;
    this.pointers.delete(e.pointerId);
    const g = this.gesture;
    if (g.kind === 'press') {
      clearTimeout(g.timer);
      this.onTap(g.start);
    }
    // Lifting one finger of a pinch must not turn into a pan jump or a tap.
    this.gesture = { kind: 'none' };
  }

  private cancelPress() {
    if (this.gesture.kind === 'press') clearTimeout(this.gesture.timer);
    this.gesture = { kind: 'none' };
  }

  private cellAt(screen: Point): Cell | null {
    const vp = this.viewport!;
    return hitTest(this.cells, toImage(vp, screen), TOUCH_SLACK_PX / vp.scale);
  }

  private onTap(screen: Point) {
    const cell = this.cellAt(screen);
    if (cell) emit(this, 'ld-cell-select', { cellId: cell.id });
  }

  private onLongPress(screen: Point) {
    this.gesture = { kind: 'none' };
    const vp = this.viewport;
    if (!vp) return;
    const p = toImage(vp, screen);
    if (p.x < 0 || p.y < 0 || p.x > this.imageWidth || p.y > this.imageHeight) return;
    const cell = this.cellAt(screen);
    if (cell) emit(this, 'ld-cell-select', { cellId: cell.id });
    else emit(this, 'ld-long-press', { x: p.x, y: p.y });
  }

  private zoom(factor: number) {
    if (!this.viewport) return;
    this.viewport = zoomAt(this.viewport, factor, { x: this.view.width / 2, y: this.view.height / 2 }, this.image, this.view);
  }

  private onWheel(e: WheelEvent) {
    if (!this.viewport) return;
    e.preventDefault();
    const r = this.surface.getBoundingClientRect();
    this.viewport = zoomAt(this.viewport, e.deltaY < 0 ? 1.2 : 1 / 1.2, { x: e.clientX - r.left, y: e.clientY - r.top }, this.image, this.view);
  }

  private renderCell(c: Cell, s: number) {
    const [x1, y1, x2, y2] = c.box;
    const colour = TYPE_COLOURS[c.type];
    const pending = needsCheck(c);
    const selected = c.id === this.selectedId;
    const label = LABEL_PX / s;
    // Labels sit above the box, or inside it at the image's top edge.
    const top = y1 - label >= 0 ? y1 - label : y1;
    const name = this.t(`type.${c.type}` as MessageKey);
    return svg`<g data-cell=${c.id} data-type=${c.type} data-pending=${pending ? 'yes' : 'no'} role="img" aria-label=${pending ? `${name}: ${this.t('sheet.flagged')}` : name}>
      ${selected ? svg`<rect x=${x1} y=${y1} width=${x2 - x1} height=${y2 - y1} fill="none" stroke=${COLOURS.text} stroke-width="16" vector-effect="non-scaling-stroke" />` : ''}
      ${pending ? svg`<rect x=${x1} y=${y1} width=${x2 - x1} height=${y2 - y1} fill="none" stroke=${COLOURS.flag} stroke-width="12" vector-effect="non-scaling-stroke" />` : ''}
      <rect x=${x1} y=${y1} width=${x2 - x1} height=${y2 - y1} fill="none" stroke="#fff" stroke-width=${selected ? 9 : 6} vector-effect="non-scaling-stroke" />
      <rect x=${x1} y=${y1} width=${x2 - x1} height=${y2 - y1} fill="none" stroke=${colour} stroke-width=${selected ? 5 : 3}
        stroke-dasharray=${c.type === 'not_leukocyte' ? '6 4' : 'none'} vector-effect="non-scaling-stroke" />
      <rect x=${x1} y=${top} width=${label} height=${label} fill=${colour} />
      <text x=${x1 + label / 2} y=${top + label * 0.78} font-size=${label * 0.8} fill=${TYPE_TEXT} text-anchor="middle">${this.t(`short.${c.type}` as MessageKey)}</text>
      ${
        pending
          ? svg`<rect x=${x2 - label} y=${top} width=${label} height=${label} fill=${COLOURS.flag} />
          <text x=${x2 - label / 2} y=${top + label * 0.78} font-size=${label * 0.8} fill=${COLOURS.flagText} text-anchor="middle">!</text>`
          : ''
      }
    </g>`;
  }

  override render() {
    const vp = this.viewport;
    return html`<div class="stage">
        <svg
          class="surface"
          @pointerdown=${this.onPointerDown}
          @pointermove=${this.onPointerMove}
          @pointerup=${this.onPointerUp}
          @pointercancel=${this.onPointerUp}
          @wheel=${this.onWheel}
        >
          ${
            vp
              ? svg`<g transform="translate(${vp.x} ${vp.y}) scale(${vp.scale})">
                <image href=${this.imageUrl} width=${this.imageWidth} height=${this.imageHeight} />
                ${this.cells.map((c) => this.renderCell(c, vp.scale))}
                ${
                  this.draftBox
                    ? svg`<rect data-draft x=${this.draftBox[0]} y=${this.draftBox[1]} width=${this.draftBox[2] - this.draftBox[0]} height=${this.draftBox[3] - this.draftBox[1]}
                      fill="rgb(255 255 255 / 0.15)" stroke="#fff" stroke-width="4" stroke-dasharray="10 6" vector-effect="non-scaling-stroke" />`
                    : ''
                }
              </g>`
              : ''
          }
        </svg>
      </div>
      <div class="zoom">
        <button class="btn" data-zoom="in" aria-label=${this.t('field.zoomIn')} @click=${() => this.zoom(1.6)}>${icons.plus}</button>
        <button class="btn" data-zoom="out" aria-label=${this.t('field.zoomOut')} @click=${() => this.zoom(1 / 1.6)}>${icons.minus}</button>
        <button class="btn" data-zoom="fit" aria-label=${this.t('field.fit')} @click=${() => (this.viewport = fitViewport(this.image, this.view))}>${icons.fit}</button>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-field-viewer': FieldViewer;
  }
}
