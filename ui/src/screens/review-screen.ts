/**
 * Review by type: every counted cell shown large, a page of one class at a time. One tap on "Seen"
 * accepts the page (the server records which cells were on it) and moves to the next page with a
 * cell nobody has seen; tapping a cell opens it to change its type or remove a double count. The
 * Seen button acts only once the page has settled with its pictures on screen, so a double tap
 * cannot accept a page nobody looked at.
 */
import { ContextConsumer } from '@lit/context';
import { css, html, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { CellClass } from '../api/types.ts';
import '../components/cell-sheet.ts';
import { icons } from '../components/icons.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import { promptsContext, setupContext } from '../context.ts';
import { SampleController } from '../controllers/sample-controller.ts';
import { emit } from '../events.ts';
import { busyWhile } from '../logic/busy-while.ts';
import { allCells, isUnseen } from '../logic/counts.ts';
import { nextUnseenPage, pageUnseen, reviewPages, TILE_BORDER_PX, tilesPerPage } from '../logic/review-pages.ts';
import { SETTLE_MS, TapGuard } from '../logic/tap-guard.ts';
import { TYPE_COLOURS } from '../theme/colours.ts';
import { baseStyles, CSS_COLOURS as C, CSS_TYPE_TEXT } from '../theme/styles.ts';
import { CellActions, loadingNotice } from './sample-actions.ts';

const GAP_PX = 8;

@customElement('ld-review-screen')
export class ReviewScreen extends KioskElement {
  @property() sampleId = '';
  @state() private pageIndex = 0;
  @state() private perPage = 0;
  @state() private selectedId: string | null = null;
  @state() busy = false;
  @state() private settled = false;
  @query('.grid') private grid!: HTMLElement | null;

  private readonly sample = new SampleController(this);
  private readonly setup = new ContextConsumer(this, { context: setupContext, subscribe: true });
  private readonly prompts = new ContextConsumer(this, { context: promptsContext });
  private readonly actions = new CellActions(
    () => this.api,
    this.sample,
    () => this.prompts.value,
  );
  private readonly guard = new TapGuard();
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  private pageKey = '';
  private started = false;
  private readonly resize = new ResizeObserver(() => this.measure());

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        height: 100%;
      }
      .screen {
        padding: 10px 16px;
        gap: 12px;
      }
      .main {
        flex: 1;
        min-width: 0;
        position: relative;
      }
      .head {
        display: flex;
        align-items: center;
        gap: 10px;
        font-size: 20px;
        font-weight: 700;
      }
      .chip {
        display: inline-flex;
        align-items: center;
        justify-content: center;
        width: 34px;
        height: 34px;
        border-radius: 8px;
        color: ${CSS_TYPE_TEXT};
        font-weight: 800;
      }
      .grid {
        flex: 1;
        min-height: 0;
        display: grid;
        gap: ${GAP_PX}px;
        align-content: start;
      }
      .tile {
        position: relative;
        aspect-ratio: 1;
        padding: 0;
        border: ${TILE_BORDER_PX}px solid transparent;
        border-radius: 10px;
        overflow: hidden;
        background: ${C.page};
      }
      .tile img {
        width: 100%;
        height: 100%;
        object-fit: cover;
        display: block;
        pointer-events: none;
      }
      .tile.unseen {
        border-color: ${C.primary};
      }
      .tile.flagged::after {
        content: '!';
        position: absolute;
        top: 3px;
        right: 3px;
        background: ${C.flag};
        color: ${C.flagText};
        font-weight: 800;
        border-radius: 6px;
        padding: 0 7px;
        font-size: 16px;
      }
      .side {
        width: 190px;
        flex: none;
      }
      .pager {
        margin-top: auto;
        display: flex;
        gap: 8px;
      }
      .pager .btn {
        flex: 1;
      }
      .seen {
        min-height: 120px;
        flex-direction: column;
        font-size: 22px;
      }
      .seen svg {
        width: 40px;
        height: 40px;
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
    `,
  ];

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize.disconnect();
    clearTimeout(this.settleTimer);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('sampleId')) {
      this.sample.sampleId = this.sampleId;
      this.pageIndex = 0;
      this.started = false;
    }
    // Open at the first page with a cell nobody has seen, once the page size is known.
    const pages = this.started ? [] : this.pages();
    if (pages.length) {
      this.started = true;
      this.pageIndex = Math.max(0, nextUnseenPage(pages));
    }
  }

  protected override updated(): void {
    if (this.grid) this.resize.observe(this.grid);
    const page = this.pages()[this.pageIndex];
    const key = page ? `${page.type}:${page.cells.map((c) => c.id).join(',')}` : '';
    if (key !== this.pageKey) {
      this.pageKey = key;
      this.settled = false;
      this.guard.shown(performance.now());
      clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(() => (this.settled = true), SETTLE_MS);
    }
  }

  private measure() {
    const g = this.grid;
    if (!g) return;
    const { columns, rows } = tilesPerPage(g.clientWidth, g.clientHeight, GAP_PX);
    if (columns * rows !== this.perPage) {
      g.style.gridTemplateColumns = `repeat(${columns}, 1fr)`;
      g.style.gridAutoRows = `${Math.floor((g.clientHeight - (rows - 1) * GAP_PX) / rows)}px`;
      this.perPage = columns * rows;
    }
  }

  private pages() {
    const detail = this.sample.detail;
    return detail && this.perPage ? reviewPages(allCells(detail), this.perPage) : [];
  }

  private async seen() {
    const pages = this.pages();
    const page = pages[this.pageIndex];
    if (!page) return;
    await busyWhile(this, async () => {
      await this.actions.seen(pageUnseen(page).map((c) => c.id));
      const after = this.pages();
      const next = nextUnseenPage(after, Math.min(this.pageIndex + 1, Math.max(0, after.length - 1)));
      if (next >= 0) this.pageIndex = next;
    });
  }

  /** Every picture of the page is on screen (a page whose pictures did not load was not seen). */
  private pictured(): boolean {
    return [...this.renderRoot.querySelectorAll<HTMLImageElement>('.grid img')].every((img) => img.complete && img.naturalWidth > 0);
  }

  override render() {
    const detail = this.sample.detail;
    if (!detail) return loadingNotice(this.i18n.i18n, this.sample.error);
    const pages = this.pages();
    const index = Math.min(this.pageIndex, Math.max(0, pages.length - 1));
    const page = pages[index];
    const unseenTotal = allCells(detail).filter(isUnseen).length;
    const ready = !!page && this.settled;
    const selected = this.selectedId ? (allCells(detail).find((c) => c.id === this.selectedId) ?? null) : null;
    const last = nextUnseenPage(pages, index + 1) < 0 || nextUnseenPage(pages, index + 1) === index;
    return html`<div class="screen">
      <div class="column main">
        <div class="head" data-page=${page ? `${page.type}-${page.number}` : 'none'}>
          ${
            page
              ? html`<span class="chip" style="background:${TYPE_COLOURS[page.type]}">${this.t(`short.${page.type}`)}</span>
                <span>${this.t(`type.${page.type}`)}</span>
                <span class="muted">${this.t('review.page', { n: page.number, m: page.of })}</span>`
              : html`<span>${this.t('review.title')}</span>`
          }
        </div>
        <div class="grid">
          ${page?.cells.map(
            (c) => html`<button
              class="tile ${isUnseen(c) ? 'unseen' : ''} ${c.flagged && !c.reviewed ? 'flagged' : ''}"
              data-review-tile=${c.id}
              aria-label=${this.t(`type.${c.type}`)}
              @click=${() => (this.selectedId = c.id)}
            >
              <img src=${this.api.cropUrl(c.id)} alt="" />
            </button>`,
          )}
        </div>
        ${!pages.length && this.perPage ? html`<p class="notice">${this.t('review.empty')}</p>` : ''}
        ${
          selected
            ? html`<ld-cell-sheet
              .cell=${selected}
              .models=${this.setup.value?.engine?.ensemble.members.length ?? 1}
              .cropUrl=${this.api.cropUrl(selected.id)}
              .busy=${this.busy}
              .canRemove=${true}
              @ld-cell-classify=${(e: CustomEvent<{ cellId: string; type: CellClass }>) => void busyWhile(this, () => this.actions.classify(e.detail.cellId, e.detail.type))}
              @ld-cell-confirm=${(e: CustomEvent<{ cellId: string }>) => void busyWhile(this, () => this.actions.confirm(e.detail.cellId))}
              @ld-cell-remove=${(e: CustomEvent<{ cellId: string }>) =>
                void busyWhile(this, async () => {
                  if (await this.actions.removeDuplicate(e.detail.cellId, this.t('reason.duplicate'))) this.selectedId = null;
                })}
              @ld-sheet-close=${() => (this.selectedId = null)}
            ></ld-cell-sheet>`
            : ''
        }
      </div>
      <div class="column side">
        <p data-unseen=${unseenTotal}>${unseenTotal ? this.t('review.unseen', { n: unseenTotal }) : this.t('review.allSeen')}</p>
        <p class="muted">${this.t('review.hint')}</p>
        ${
          page && pageUnseen(page).length
            ? html`<button
              class="btn primary seen"
              data-action="seen"
              ?disabled=${!ready || this.busy || !!selected}
              @pointerdown=${(e: PointerEvent) => this.guard.pressed(e.currentTarget, e.timeStamp)}
              @click=${(e: MouseEvent) => {
                if (this.guard.accepts(e.currentTarget, e.timeStamp, e.detail === 0) && this.pictured()) void this.seen();
              }}
            >
              ${icons.check}${this.t(last ? 'review.seenLast' : 'review.seen')}
            </button>`
            : ''
        }
        ${
          !unseenTotal && pages.length
            ? html`<button class="btn primary seen" data-action="to-sign" @click=${() => emit(this, 'ld-navigate', { screen: 'sign', sampleId: this.sampleId })}>
              ${icons.sign}${this.t('review.toSign')}
            </button>`
            : ''
        }
        <div class="pager">
          <button class="btn outline" data-action="previous-page" aria-label=${this.t('review.previous')} ?disabled=${index <= 0} @click=${() => (this.pageIndex = index - 1)}>${icons.back}</button>
          <button class="btn outline" data-action="next-page" aria-label=${this.t('review.next')} ?disabled=${index >= pages.length - 1} @click=${() => (this.pageIndex = index + 1)}>
            ${icons.next}
          </button>
        </div>
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-review-screen': ReviewScreen;
  }
}
