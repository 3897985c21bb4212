/**
 * The report in the nurse's language, as the hub receives it: sample, differential with intervals
 * and reference ranges, findings, image quality, who did what, the disclaimer. Print gives an A4
 * page without the kiosk's buttons.
 */
import { css, html, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { CELL_TYPES as LEUKOCYTE_TYPES, type Differential, type DifferentialRow, type Report } from '../api/types.ts';
import { icons } from '../components/icons.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import { EventsController } from '../controllers/events-controller.ts';
import { qualityWarningText } from '../logic/quality-warnings.ts';
import { findings, findingText } from '../logic/findings.ts';
import { isSigned } from '../logic/samples.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';
import { loadingNotice } from './sample-actions.ts';
import { amendmentText, reviewedCellsText } from '../logic/hub-review.ts';

@customElement('ld-report-screen')
export class ReportScreen extends KioskElement {
  @property() sampleId = '';
  @state() private report: Report | null = null;
  @state() private error: unknown = null;

  constructor() {
    super();
    new EventsController(this, {
      onEvent: (e) => {
        if ('sampleId' in e && e.sampleId === this.sampleId && e.type === 'sample.changed') void this.load();
      },
      onResync: () => void this.load(),
    });
  }

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        height: 100%;
      }
      .page {
        flex: 1;
        background: ${C.surface};
        border-radius: 12px;
        padding: 20px 28px;
        max-width: 900px;
        margin: 0 auto;
      }
      .tools {
        width: 220px;
        flex: none;
      }
      .banner {
        border: 3px solid ${C.text};
        padding: 6px 12px;
        font-weight: 800;
        margin: 10px 0;
      }
      h2 {
        margin: 16px 0 6px;
        font-size: 21px;
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 4px 16px;
        margin: 8px 0 0;
      }
      dt {
        font-weight: 700;
      }
      dd {
        margin: 0;
      }
      table {
        width: 100%;
        border-collapse: collapse;
      }
      th,
      td {
        border-bottom: 1px solid ${C.line};
        padding: 4px 6px;
        text-align: right;
        font-size: 18px;
      }
      th:first-child,
      td:first-child {
        text-align: left;
      }
      thead th {
        font-size: 15px;
        color: ${C.muted};
      }
      tr.out td {
        background: ${C.warningBg};
      }
      tr.group th {
        text-align: left;
        font-size: 15px;
        color: ${C.muted};
        padding-top: 10px;
      }
      .attention {
        background: ${C.warningBg};
        color: ${C.warningText};
      }
      ul {
        margin: 4px 0;
        padding-left: 24px;
      }
      .small {
        font-size: 15px;
        color: ${C.muted};
        margin-top: 12px;
      }
      .disclaimer {
        border: 2px solid ${C.text};
        padding: 8px 12px;
        margin-top: 14px;
        font-size: 16px;
      }
      @media print {
        :host {
          height: auto;
          font-size: 11pt;
        }
        .screen {
          display: block;
          padding: 0;
          overflow: visible;
          height: auto;
        }
        .tools {
          display: none;
        }
        .page {
          max-width: none;
          padding: 0;
          overflow: visible;
        }
      }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('sampleId')) {
      this.report = null;
      void this.load();
    }
  }

  private async load() {
    if (!this.sampleId) return;
    try {
      this.report = await this.api.getReport(this.sampleId);
      this.error = null;
    } catch (err) {
      this.error = err;
    }
  }

  override render() {
    const r = this.report;
    if (!r) return loadingNotice(this.i18n.i18n, this.error);
    return html`<div class="screen">
      <article class="page scroll" data-report=${r.sample.id}>
        <h1>${this.t('report.heading')}</h1>
        ${this.renderBanners(r)} ${this.renderSample(r)} ${this.renderDifferential(r.differential)} ${this.renderFindings(r)}
        ${this.renderPeople(r)} ${this.renderAmendments(r)} ${this.renderAnalysis(r)}
        <div class="disclaimer"><b>${this.t('report.important')}</b> ${this.t('report.disclaimer')}</div>
      </article>
      <div class="column tools">
        <button class="btn primary big" data-action="print" @click=${() => window.print()}>${icons.print}${this.t('report.print')}</button>
      </div>
    </div>`;
  }

  /** What the report shows for a missing value. */
  private get none(): string {
    return this.t('report.none');
  }

  /** Preliminary until signed, amended, and the first finding that needs attention. */
  private renderBanners(r: Report) {
    const signed = isSigned(r.sample.status) && r.people.signedBy;
    const attention = findings(r.differential).find((f) => f.attention);
    return html`${signed ? '' : html`<div class="banner" data-banner="preliminary">${this.t('report.preliminary')}</div>`}
      ${r.sample.amended ? html`<div class="banner">${this.t('report.amended')}</div>` : ''}
      ${
        r.people.reviewedAtHub.length
          ? html`<div class="banner" data-banner="reviewed">${this.t('report.amendedAfterReview', { names: [...new Set(r.people.reviewedAtHub.map((h) => h.name))].join(', ') })}</div>`
          : ''
      }
      ${attention ? html`<div class="banner attention" data-banner="attention">${findingText(attention, (k, v) => this.t(k, v))}</div>` : ''}`;
  }

  private renderSample(r: Report) {
    const i18n = this.i18n.i18n;
    const d = r.differential;
    const none = this.none;
    return html`<dl>
      <dt>${this.t('report.sample')}</dt>
      <dd data-report-reference>${r.sample.reference}</dd>
      <dt>${this.t('report.patient')}</dt>
      <dd>${r.sample.patientId ?? none}</dd>
      <dt>${this.t('report.collected')}</dt>
      <dd>${r.sample.collectedAt ? i18n.dateTime(r.sample.collectedAt) : none}</dd>
      <dt>${this.t('report.started')}</dt>
      <dd>${i18n.dateTime(r.sample.createdAt)}</dd>
      <dt>${this.t('report.counted')}</dt>
      <dd data-report-counted>${this.t('report.countedValue', { n: d.counted, target: d.target })}</dd>
      <dt>${this.t('report.wbc')}</dt>
      <dd>${d.wbcCount === null ? this.t('report.notEntered') : this.t('report.wbcValue', { n: d.wbcCount })}</dd>
      <dt>${this.t('report.fields')}</dt>
      <dd>${r.fields.length}</dd>
      <dt>${this.t('report.revision')}</dt>
      <dd>${r.sample.revision}</dd>
    </dl>`;
  }

  /** The five leukocyte types, the other leukocytes, then the non-leukocytes per 100. */
  private renderDifferential(d: Differential) {
    const five: readonly string[] = LEUKOCYTE_TYPES;
    const none = this.none;
    return html`<h2>${this.t('diff.title')}</h2>
      <table>
        <thead>
          <tr>
            <th>${this.t('diff.type')}</th>
            <th>${this.t('diff.count')}</th>
            <th>%</th>
            <th>${this.t('report.ci')}</th>
            <th>${this.t('diff.range')}</th>
            <th>${this.t('diff.absolute')}</th>
          </tr>
        </thead>
        <tbody>
          ${d.rows.filter((x) => five.includes(x.type)).map((row) => this.renderRow(row))}
          <tr class="group"><th colspan="6">${this.t('diff.otherLeukocytes')}</th></tr>
          ${d.rows.filter((x) => !five.includes(x.type)).map((row) => this.renderRow(row))}
          ${
            d.nonLeukocytes?.length
              ? html`<tr class="group"><th colspan="6">${this.t('diff.nonLeukocytes')}</th></tr>
                ${d.nonLeukocytes.map(
                  (x) => html`<tr data-report-row=${x.type}>
                    <td>${this.t(`type.${x.type}`)}</td>
                    <td>${x.count}</td>
                    <td colspan="4">${x.per100 === null ? none : this.t('diff.per100', { n: x.per100 })}</td>
                  </tr>`,
                )}`
              : ''
          }
        </tbody>
      </table>
      <p class="small">${this.t('diff.bandApart')}</p>
      ${d.notLeukocyte ? html`<p class="small">${this.t('diff.rejected', { n: d.notLeukocyte })}</p>` : ''}`;
  }

  private renderRow(row: DifferentialRow) {
    const i18n = this.i18n.i18n;
    const none = this.none;
    const range = row.range?.percent;
    return html`<tr class=${row.flag || row.absoluteFlag ? 'out' : ''} data-report-row=${row.type}>
      <td>${this.t(`type.${row.type}`)}</td>
      <td>${row.count}</td>
      <td>${i18n.number(row.percent, 1)} ${row.flag ? html`<b>${this.t(row.flag === 'high' ? 'diff.high' : 'diff.low')}</b>` : ''}</td>
      <td>${row.ci95 ? `${i18n.number(row.ci95.low, 1)}–${i18n.number(row.ci95.high, 1)}` : none}</td>
      <td>${range ? `${i18n.number(range.low)}–${i18n.number(range.high)}` : none}</td>
      <td>${row.absolute === null ? none : i18n.number(row.absolute, 2)}</td>
    </tr>`;
  }

  /** The findings on the differential, then the fields' image-quality warnings. */
  private renderFindings(r: Report) {
    const all = findings(r.differential);
    const warnings = r.fields.flatMap((f) => f.warnings.map((w) => this.t('report.fieldWarning', { n: f.seq, message: qualityWarningText(w, (k) => this.t(k)) })));
    return html`${
      all.length
        ? html`<h2>${this.t('report.findings')}</h2>
          <ul>
            ${all.map((f) => html`<li>${findingText(f, (k, v) => this.t(k, v))}</li>`)}
          </ul>`
        : ''
    }
    ${warnings.length ? html`<h2>${this.t('report.quality')}</h2><ul>${warnings.map((w) => html`<li>${w}</li>`)}</ul>` : ''}`;
  }

  private renderPeople(r: Report) {
    const i18n = this.i18n.i18n;
    const d = r.differential;
    const none = this.none;
    const names = (people: { name: string }[]) => (people.length ? people.map((p) => p.name).join(', ') : none);
    return html`<h2>${this.t('report.people')}</h2>
      <dl>
        <dt>${this.t('report.photographedBy')}</dt>
        <dd data-report-photographed>${names(r.people.photographedBy)}</dd>
        <dt>${this.t('report.correctedBy')}</dt>
        <dd>${names(r.people.correctedBy)}</dd>
        ${r.people.reviewedAtHub.map(
          (h) => html`<dt>${this.t('report.reviewedAtHub')}</dt>
            <dd data-report-hub-review>
              ${this.t('report.hubReviewLine', { name: h.name, date: i18n.dateTime(h.at), changes: reviewedCellsText((k, v) => this.t(k, v), h.changes) })}
            </dd>`,
        )}
        <dt>${this.t('report.signedBy')}</dt>
        <dd data-report-signed>
          ${
            r.people.signedBy
              ? this.t('report.signedValue', {
                  name: r.people.signedBy.name,
                  date: r.people.signedBy.at ? i18n.dateTime(r.people.signedBy.at) : none,
                  revision: r.people.signedBy.revision ?? none,
                })
              : this.t('report.notSigned')
          }
        </dd>
        ${
          r.people.signedBy?.shortReason
            ? html`<dt>${this.t('report.shortReason', { n: d.counted, target: d.target })}</dt>
              <dd data-report-short-reason>${r.people.signedBy.shortReason}</dd>`
            : ''
        }
      </dl>`;
  }

  private renderAmendments(r: Report) {
    if (!r.amendments.length) return '';
    const i18n = this.i18n.i18n;
    return html`<h2>${this.t('report.corrections')}</h2>
      <ul>
        ${r.amendments.map((a) => html`<li>${i18n.dateTime(a.at)}, ${a.by?.name ?? this.none}: ${amendmentText((k, v) => this.t(k, v), a)}</li>`)}
      </ul>`;
  }

  /** The fields' scale and the software, models and fusion that made the result. */
  private renderAnalysis(r: Report) {
    const i18n = this.i18n.i18n;
    const none = this.none;
    const scales = r.analysis.scales;
    return html`${
      scales
        ? html`<p class="small" data-report-scale>
            ${this.t('report.scale', {
              scale: scales.umPerPixel === null ? none : i18n.number(scales.umPerPixel, 4),
              measured: scales.measured,
              calibrated: scales.calibrated + scales.given,
              unknown: scales.unmeasured,
            })}
          </p>`
        : ''
    }
      <p class="small">
        ${this.t('report.software', {
          version: r.software.version,
          modelSet: r.analysis.modelSets.join(', ') || none,
          models: r.analysis.models.map((m) => `${m.id} (${m.sha256.slice(0, 12)})`).join(', ') || none,
          fusion: r.analysis.fusion.join(', ') || none,
          backend: r.analysis.backend.join(', ') || none,
        })}
      </p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-report-screen': ReportScreen;
  }
}
