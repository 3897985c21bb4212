/**
 * One cell up close: its crop, where its type comes from, the detectors' votes, and a button per
 * answer on two pages: the five types and "not a leukocyte", then the classes only a person gives
 * (band, immature granulocyte, blast, reactive lymphocyte, NRBC, smudge) and unidentified. Tapping
 * the type it already has confirms a flagged cell. In "add" mode it only asks for the type of a
 * missed cell. Its buttons cannot misfire: see TapGuard; turning the page settles the buttons again.
 */
import { css, html, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Cell, CellClass } from '../api/types.ts';
import { emit } from '../events.ts';
import type { MessageKey } from '../i18n/en.ts';
import { actionFor, confidencePercent, machineClass, otherPageMarks, sheetStatus, startPage, typeButtons, voteLines, type SheetPage } from '../logic/cell-sheet.ts';
import { needsCheck } from '../logic/counts.ts';
import { SETTLE_MS, TapGuard } from '../logic/tap-guard.ts';
import { TYPE_COLOURS } from '../theme/colours.ts';
import { baseStyles, CSS_COLOURS as C, CSS_TYPE_TEXT } from '../theme/styles.ts';
import { icons } from './icons.ts';
import { KioskElement } from './kiosk-element.ts';

const STATUS_KEYS: Record<ReturnType<typeof sheetStatus>, MessageKey> = {
  flagged: 'sheet.flagged',
  checked: 'sheet.checked',
  corrected: 'sheet.corrected',
  added: 'sheet.added',
  automatic: 'sheet.automatic',
};

@customElement('ld-cell-sheet')
export class CellSheet extends KioskElement {
  @property({ attribute: false }) cell: Cell | null = null;
  /** Choosing the type of a cell being added. */
  @property({ type: Boolean }) adding = false;
  /** Detectors in the ensemble: votes read "2 of 3". */
  @property({ type: Number }) models = 1;
  @property() cropUrl = '';
  /** Flagged cells of the sample not checked yet, this one included. */
  @property({ type: Number }) pendingCount = 0;
  @property({ type: Boolean }) busy = false;
  /** Offer "same cell counted twice" (remove this box). */
  @property({ type: Boolean }) canRemove = false;
  /** Controls that change data wait until the cell has been on screen a moment (see TapGuard). */
  @state() private settled = false;
  /** Which page of type buttons is shown. */
  @state() private page: SheetPage = 'five';
  private readonly guard = new TapGuard();
  private settleTimer: ReturnType<typeof setTimeout> | undefined;

  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 8px;
        background: ${C.surface};
        border-radius: 14px;
        padding: 10px;
        overflow-y: auto;
        min-height: 0;
      }
      .top {
        display: flex;
        gap: 10px;
        align-items: flex-start;
      }
      .info {
        flex: 1;
        min-width: 0;
      }
      .close {
        padding: 0;
        flex: none;
      }
      .crop {
        width: 112px;
        height: 112px;
        border-radius: 10px;
        object-fit: cover;
        background: ${C.page};
        flex: none;
      }
      .status {
        font-weight: 700;
        font-size: 16px;
        line-height: 1.25;
      }
      .status.flagged {
        background: ${C.flag};
        color: ${C.flagText};
        border-radius: 8px;
        padding: 4px 8px;
      }
      .votes {
        display: flex;
        flex-direction: column;
        gap: 2px;
        margin-top: 4px;
        font-size: 15px;
      }
      .vote {
        display: grid;
        grid-template-columns: auto minmax(20px, 1fr) auto;
        gap: 6px;
        align-items: center;
        white-space: nowrap;
      }
      .vote > span:first-child {
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .vote .bar {
        height: 10px;
        border-radius: 5px;
        background: ${C.secondary};
        overflow: hidden;
      }
      .vote .bar > div {
        height: 100%;
      }
      .types {
        display: grid;
        grid-template-columns: 1fr 1fr;
        gap: 6px;
      }
      .types .btn {
        justify-content: flex-start;
        gap: 8px;
        padding: 2px 8px;
        font-size: 17px;
        min-height: 48px;
        background: ${C.surface};
        border-color: ${C.line};
        text-align: left;
        line-height: 1.1;
      }
      .types .btn.page-switch {
        background: ${C.secondary};
        font-weight: 700;
        font-size: 17px;
      }
      .types .btn.page-switch .name {
        min-width: 0;
        overflow: hidden;
        white-space: nowrap;
      }
      .types .btn.page-switch .tag {
        display: block;
        font-size: 13px;
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .name {
        flex: 1;
      }
      .types .btn {
        position: relative;
      }
      /* The current type: a badge on the button's corner, taking no room from its name. */
      .now {
        position: absolute;
        top: -7px;
        right: -7px;
        width: 26px;
        height: 26px;
        border-radius: 50%;
        background: ${C.text};
        color: ${C.surface};
        display: flex;
        align-items: center;
        justify-content: center;
      }
      .now svg {
        width: 18px;
        height: 18px;
      }
      .types .btn[aria-pressed='true'] {
        border-width: 4px;
        border-color: ${C.text};
      }
      .chip {
        display: inline-flex;
        align-items: center;
        justify-content: center;
        width: 32px;
        height: 32px;
        border-radius: 8px;
        color: ${CSS_TYPE_TEXT};
        font-weight: 800;
        flex: none;
      }
      .tag {
        font-size: 14px;
        color: ${C.muted};
        font-weight: 600;
      }
      .row {
        display: flex;
        gap: 8px;
      }
      .row .btn {
        flex: 1;
        min-height: 50px;
        font-size: 18px;
      }
      .btn.remove {
        min-height: 48px;
        font-size: 17px;
        padding: 4px 12px;
      }
      .label {
        font-weight: 700;
        font-size: 17px;
        margin-bottom: -4px;
      }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    const before = changed.get('cell') as Cell | null | undefined;
    if ((changed.has('cell') && before?.id !== this.cell?.id) || changed.has('adding')) {
      this.page = startPage(this.adding ? null : this.cell);
      this.unsettle();
    }
  }

  /** What the buttons act on changed: they wait SETTLE_MS again. */
  private unsettle() {
    this.guard.shown(performance.now());
    this.settled = false;
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => (this.settled = true), SETTLE_MS);
  }

  /** Turns to the other page: a second tap of a double tap then lands on a settling page and does nothing. */
  private turnPage() {
    this.page = this.page === 'five' ? 'other' : 'five';
    this.unsettle();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.settleTimer);
  }

  /** Handlers for a control that changes data: it acts only on a tap that began on it, once settled. */
  private guarded(act: () => void) {
    return {
      down: (e: PointerEvent) => this.guard.pressed(e.currentTarget, e.timeStamp),
      click: (e: MouseEvent) => {
        if (this.guard.accepts(e.currentTarget, e.timeStamp, e.detail === 0)) act();
      },
    };
  }

  private choose(type: CellClass) {
    if (this.adding) return emit(this, 'ld-cell-add', { type });
    const cell = this.cell;
    if (!cell) return;
    const action = actionFor(cell, type);
    if (action.kind === 'reclassify') emit(this, 'ld-cell-classify', { cellId: cell.id, type: action.type });
    else if (action.kind === 'review') emit(this, 'ld-cell-confirm', { cellId: cell.id });
  }

  private renderInfo(cell: Cell) {
    const status = sheetStatus(cell);
    const confidence = confidencePercent(cell);
    const machine = machineClass(cell);
    return html`<img class="crop" src=${this.cropUrl} alt=${this.t('sheet.cropAlt')} />
      <div class="info">
        <p class="status ${status}" data-status=${status}>${this.t(STATUS_KEYS[status])}</p>
        ${machine ? html`<p data-machine-class=${machine}>${this.t('sheet.machineClass', { name: this.t(`machine.${machine}`) })}</p>` : ''}
        ${
          cell.votes
            ? html`<div class="votes" aria-label=${this.t('sheet.votes')}>
              ${voteLines(cell, this.models).map(
                (v) => html`<div class="vote" data-vote=${v.type}>
                  <span>${this.t(`type.${v.type}`)}</span>
                  <div class="bar"><div style="width:${(v.share * 100).toFixed(0)}%; background:${TYPE_COLOURS[v.type]}"></div></div>
                  <span>${this.t('sheet.voteCount', { n: v.count, m: this.models })}</span>
                </div>`,
              )}
              ${confidence !== null ? html`<span class="muted">${this.t('sheet.confidence', { value: confidence })}</span>` : ''}
            </div>`
            : ''
        }
      </div>`;
  }

  /** The button to the other page; it names the cell's class (or the detectors' suggestion) when that is there. */
  private renderPageSwitch(cell: Cell | null, locked: boolean) {
    const turn = this.guarded(() => this.turnPage());
    const marks = otherPageMarks(cell, this.page);
    const toOther = this.page === 'five';
    return html`<button
      class="btn page-switch"
      data-action=${toOther ? 'other-classes' : 'five-types'}
      aria-pressed=${marks.current ? 'true' : 'false'}
      ?disabled=${locked}
      @pointerdown=${turn.down}
      @click=${turn.click}
    >
      ${toOther ? '' : icons.back}
      <span class="name">
        ${this.t(toOther ? 'sheet.otherPage' : 'sheet.fivePage')}
        ${marks.current ? html`<span class="tag" data-now=${marks.current}>(${this.t('sheet.nowThere', { type: this.t(`type.${marks.current}`) })})</span>` : ''}
        ${marks.suggested ? html`<span class="tag">(${this.t('sheet.suggested')})</span>` : ''}
      </span>
      ${toOther ? icons.next : ''}
    </button>`;
  }

  override render() {
    const cell = this.adding ? null : this.cell;
    if (!cell && !this.adding) return html``;
    const pending = cell ? needsCheck(cell) : false;
    const othersPending = this.pendingCount - (pending ? 1 : 0);
    const locked = this.busy || !this.settled;
    const confirm = this.guarded(() => cell && emit(this, 'ld-cell-confirm', { cellId: cell.id }));
    const remove = this.guarded(() => cell && emit(this, 'ld-cell-remove', { cellId: cell.id }));
    return html`<div class="top">
        ${cell ? this.renderInfo(cell) : html`<h2 class="info">${this.t('sheet.newCell')}</h2>`}
        <button class="btn outline close" data-action="close" aria-label=${this.t('sheet.close')} @click=${() => emit(this, 'ld-sheet-close')}>${icons.close}</button>
      </div>
      ${
        cell && (pending || othersPending > 0)
          ? html`<div class="row">
            ${
              pending
                ? html`<button class="btn primary" data-action="confirm" ?disabled=${locked} @pointerdown=${confirm.down} @click=${confirm.click}>
                  ${icons.check}${this.t('sheet.confirm', { type: this.t(`type.${cell.type}`) })}
                </button>`
                : html`<button class="btn primary" data-action="next" ?disabled=${this.busy} @click=${() => emit(this, 'ld-sheet-next')}>
                  ${this.t('sheet.next')}${icons.next}
                </button>`
            }
          </div>`
          : ''
      }
      ${this.adding ? html`<p class="label">${this.t('sheet.chooseType')}</p>` : ''}
      <div class="types" role="group" aria-label=${this.adding ? this.t('sheet.chooseType') : this.t('sheet.changeTo')}>
        ${typeButtons(cell, this.page).map((b) => {
          const choose = this.guarded(() => this.choose(b.type));
          return html`<button
            class="btn"
            data-type=${b.type}
            aria-pressed=${b.current ? 'true' : 'false'}
            ?disabled=${locked}
            @pointerdown=${choose.down}
            @click=${choose.click}
          >
            <span class="chip" style="background:${TYPE_COLOURS[b.type]}">${this.t(`short.${b.type}`)}</span>
            <span class="name">${this.t(`type.${b.type}`)}${b.suggested ? html` <span class="tag">(${this.t('sheet.suggested')})</span>` : ''}</span>
            ${b.current ? html`<span class="now" title=${this.t('sheet.current')}>${icons.check}</span>` : ''}
          </button>`;
        })}
        ${this.renderPageSwitch(cell, locked)}
      </div>
      ${
        cell && this.canRemove
          ? html`<button class="btn outline remove" data-action="remove-duplicate" ?disabled=${locked} @pointerdown=${remove.down} @click=${remove.click}>
            ${icons.close}${this.t('sheet.duplicate')}
          </button>`
          : ''
      }`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-cell-sheet': CellSheet;
  }
}
