/** The reference ranges (% of leukocytes) the differential is flagged against: tap a value, type it. */
import { css, html, type PropertyValues } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { CELL_TYPES, type CellType } from '../api/types.ts';
import '../components/keypad.ts';
import { applyKey, DECIMAL_RULES, type KeyAction } from '../logic/keypad.ts';
import { draftOf, rangesFromDraft, type Bound, type RangesDraft } from '../logic/ranges.ts';
import { TYPE_COLOURS } from '../theme/colours.ts';
import { baseStyles, CSS_COLOURS as C, CSS_TYPE_TEXT } from '../theme/styles.ts';
import { SettingElement } from './setting-element.ts';

@customElement('ld-ranges-setting')
export class RangesSetting extends SettingElement {
  @state() private draft: RangesDraft | null = null;
  @state() private editing: { type: CellType; bound: Bound } = { type: 'neutrophil', bound: 'low' };

  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        gap: 16px;
        align-items: flex-start;
      }
      table {
        border-collapse: separate;
        border-spacing: 4px;
      }
      th {
        text-align: left;
        font-size: 17px;
      }
      .chip {
        display: inline-flex;
        align-items: center;
        justify-content: center;
        width: 28px;
        height: 28px;
        border-radius: 7px;
        color: ${CSS_TYPE_TEXT};
        margin-right: 6px;
      }
      .cell {
        min-width: 96px;
        min-height: 48px;
        font-size: 22px;
        padding: 0 10px;
        background: ${C.surface};
        border-color: ${C.line};
      }
      .cell.active {
        border: 4px solid ${C.primary};
      }
      ld-keypad {
        width: 260px;
        flex: none;
      }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('settings') && this.settings) this.draft = draftOf(this.settings.referenceRanges);
  }

  private onKey(action: KeyAction) {
    const d = this.draft;
    if (!d) return;
    const { type, bound } = this.editing;
    this.draft = { ...d, [type]: { ...d[type], [bound]: applyKey(d[type][bound], action, DECIMAL_RULES) } };
  }

  private async save() {
    const ranges = this.draft && this.settings && rangesFromDraft(this.draft, this.settings.referenceRanges);
    if (!ranges) return;
    await this.changeSettings((auth) => this.api.updateSettings({ referenceRanges: ranges }, auth));
  }

  override render() {
    const d = this.draft;
    if (!d || !this.settings) return html`<p class="notice">${this.t('common.loading')}</p>`;
    const valid = rangesFromDraft(d, this.settings.referenceRanges) !== null;
    return html`<table>
        <thead>
          <tr>
            <th></th>
            <th>${this.t('settings.low')}</th>
            <th>${this.t('settings.high')}</th>
          </tr>
        </thead>
        <tbody>
          ${CELL_TYPES.map(
            (t) => html`<tr>
              <th><span class="chip" style="background:${TYPE_COLOURS[t]}">${this.t(`short.${t}`)}</span>${this.t(`type.${t}`)}</th>
              ${(['low', 'high'] as const).map(
                (b) => html`<td>
                  <button
                    class="btn cell ${this.editing.type === t && this.editing.bound === b ? 'active' : ''}"
                    data-range=${`${t}-${b}`}
                    @click=${() => (this.editing = { type: t, bound: b })}
                  >
                    ${d[t][b] || '–'}
                  </button>
                </td>`,
              )}
            </tr>`,
          )}
        </tbody>
      </table>
      <ld-keypad
        decimal
        .okLabel=${this.t('settings.save')}
        .okDisabled=${!valid || this.busy || !this.auth}
        @ld-key=${(e: CustomEvent<KeyAction>) => this.onKey(e.detail)}
        @ld-submit=${() => void this.save()}
      ></ld-keypad>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-ranges-setting': RangesSetting;
  }
}
