/**
 * The differential as a table: the five types always; the other leukocytes of the count (band,
 * immature granulocyte, blast, reactive lymphocyte, unidentified) and the cells outside it (NRBC,
 * smudge, per 100 leukocytes) when there are any. Count, percentage, reference range, High/Low in words.
 */
import { css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { CELL_TYPES, type Differential, type DifferentialRow } from '../api/types.ts';
import { TYPE_COLOURS } from '../theme/colours.ts';
import { baseStyles, CSS_COLOURS as C, CSS_TYPE_TEXT } from '../theme/styles.ts';
import { KioskElement } from './kiosk-element.ts';

@customElement('ld-differential-table')
export class DifferentialTable extends KioskElement {
  @property({ attribute: false }) differential: Differential | null = null;

  static override styles = [
    baseStyles,
    css`
      table {
        width: 100%;
        border-collapse: collapse;
        font-size: 19px;
      }
      th,
      td {
        padding: 5px 6px;
        border-bottom: 1px solid ${C.line};
        text-align: right;
      }
      th:first-child,
      td:first-child {
        text-align: left;
      }
      thead th {
        font-size: 16px;
        color: ${C.muted};
        font-weight: 600;
      }
      .type {
        display: flex;
        align-items: center;
        line-height: 1.1;
      }
      .chip {
        flex: none;
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
        margin-right: 8px;
        font-size: 16px;
      }
      .num {
        font-variant-numeric: tabular-nums;
        font-weight: 700;
      }
      .flag {
        display: inline-block;
        padding: 0 6px;
        border-radius: 6px;
        background: ${C.flag};
        color: ${C.flagText};
        font-size: 16px;
        font-weight: 800;
      }
      tr.out td {
        background: ${C.warningBg};
      }
      .range {
        color: ${C.muted};
        font-size: 17px;
      }
      .num,
      .range,
      thead th {
        white-space: nowrap;
      }
      tr.group th {
        text-align: left;
        font-size: 15px;
        color: ${C.muted};
        font-weight: 700;
        padding-top: 8px;
      }
    `,
  ];

  private row(r: DifferentialRow) {
    const n = (v: number) => this.i18n.i18n.number(v, 1);
    return html`<tr class=${r.flag ? 'out' : ''} data-row=${r.type}>
      <td>
        <span class="type"><span class="chip" style="background:${TYPE_COLOURS[r.type]}">${this.t(`short.${r.type}`)}</span>${this.t(`type.${r.type}`)}</span>
      </td>
      <td class="num" data-count>${r.count}</td>
      <td class="num">${n(r.percent)}</td>
      <td>${r.flag ? html`<span class="flag" data-flag=${r.flag}>${this.t(r.flag === 'high' ? 'diff.high' : 'diff.low')}</span>` : ''}</td>
      <td class="range">${r.range ? `${this.i18n.i18n.number(r.range.percent.low)}–${this.i18n.i18n.number(r.range.percent.high)}` : '–'}</td>
    </tr>`;
  }

  override render() {
    const d = this.differential;
    if (!d) return html``;
    const five: readonly string[] = CELL_TYPES;
    const others = d.rows.filter((r) => !five.includes(r.type) && r.count > 0);
    const outside = (d.nonLeukocytes ?? []).filter((r) => r.count > 0);
    return html`<table>
      <thead>
        <tr>
          <th>${this.t('diff.type')}</th>
          <th>${this.t('diff.count')}</th>
          <th>${this.t('diff.percent')}</th>
          <th><span class="sr-only">${this.t('diff.flag')}</span></th>
          <th>${this.t('diff.range')}</th>
        </tr>
      </thead>
      <tbody>
        ${d.rows.filter((r) => five.includes(r.type)).map((r) => this.row(r))}
        ${others.length ? html`<tr class="group"><th colspan="5">${this.t('diff.otherLeukocytes')}</th></tr>${others.map((r) => this.row(r))}` : ''}
        ${
          outside.length
            ? html`<tr class="group"><th colspan="5">${this.t('diff.nonLeukocytes')}</th></tr>
              ${outside.map(
                (r) => html`<tr data-row=${r.type}>
                  <td>
                    <span class="type"><span class="chip" style="background:${TYPE_COLOURS[r.type]}">${this.t(`short.${r.type}`)}</span>${this.t(`type.${r.type}`)}</span>
                  </td>
                  <td class="num" data-count>${r.count}</td>
                  <td class="range" colspan="3" data-per100>${r.per100 === null ? '–' : this.t('diff.per100', { n: r.per100 })}</td>
                </tr>`,
              )}`
            : ''
        }
      </tbody>
    </table>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-differential-table': DifferentialTable;
  }
}
