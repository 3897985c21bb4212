/**
 * Sign-off: only once every counted cell was seen, none is unidentified, no field is still being
 * analysed (it says what remains and takes the nurse there) and the target is counted or the
 * supervisor picks why not; then a supervisor signs with their PIN. A signed sample is read-only
 * except for a correction with a reason.
 */
import { ContextConsumer } from '@lit/context';
import { css, html, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Credentials, Differential, User } from '../api/types.ts';
import '../components/count-progress.ts';
import { icons } from '../components/icons.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import '../components/pin-pad.ts';
import { sessionContext } from '../context.ts';
import { SampleController } from '../controllers/sample-controller.ts';
import { emit } from '../events.ts';
import { busyWhile } from '../logic/busy-while.ts';
import { nextPending } from '../logic/counts.ts';
import { isSigned } from '../logic/samples.ts';
import type { MessageKey } from '../i18n/en.ts';
import { baseStyles } from '../theme/styles.ts';
import { loadingNotice } from './sample-actions.ts';

/** Why a supervisor may sign below the target count: printed on the report. */
const SHORT_REASONS: MessageKey[] = ['sign.shortLowCount', 'sign.shortUrgent', 'sign.shortPoorSmear'];

const unidentified = (d: Differential) => d.rows.find((r) => r.type === 'unclassified')?.count ?? 0;

@customElement('ld-sign-screen')
export class SignScreen extends KioskElement {
  @property() sampleId = '';
  @state() private supervisors: User[] | null = null;
  @state() busy = false;
  /** The supervisor's reason for signing below the target count. */
  @state() private shortReason: MessageKey | null = null;
  private readonly sample = new SampleController(this);
  private readonly session = new ContextConsumer(this, { context: sessionContext });

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        height: 100%;
      }
      .left {
        flex: 1;
        min-width: 0;
      }
      .right {
        width: 400px;
        flex: none;
      }
      .notice {
        display: flex;
        align-items: center;
        gap: 12px;
        flex-wrap: wrap;
      }
      .short {
        display: flex;
        flex-direction: column;
        gap: 8px;
        margin-bottom: 12px;
      }
      .short .btn[aria-pressed='true'] {
        border-width: 4px;
      }
      .notice svg {
        width: 28px;
        height: 28px;
        flex: none;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.loadSupervisors();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('sampleId')) this.sample.sampleId = this.sampleId;
  }

  private async loadSupervisors() {
    try {
      this.supervisors = (await this.api.listUsers()).filter((u) => u.role === 'supervisor' && u.active);
    } catch (err) {
      this.fail(err);
    }
  }

  private async sign(auth: Credentials) {
    await busyWhile(this, async () => {
      await this.api.signSample(this.sampleId, auth, this.shortReason ? this.t(this.shortReason) : undefined);
      emit(this, 'ld-navigate', { screen: 'report', sampleId: this.sampleId });
    });
  }

  private showPending() {
    const detail = this.sample.detail;
    const next = detail && nextPending(detail);
    if (next) emit(this, 'ld-navigate', { screen: 'field', sampleId: this.sampleId, fieldId: next.fieldId, cellId: next.id });
  }

  private canSign(): boolean {
    const detail = this.sample.detail;
    return (
      !!detail &&
      !isSigned(detail.status) &&
      !detail.pendingFields &&
      detail.fields.some((f) => f.status === 'analysed') &&
      !detail.differential.review.pending &&
      !detail.differential.review.unseen &&
      !unidentified(detail.differential) &&
      (detail.differential.targetReached || !!this.shortReason) &&
      !!this.supervisors?.length
    );
  }

  private renderRight() {
    const detail = this.sample.detail!;
    const d = detail.differential;
    if (isSigned(detail.status)) {
      const by = this.supervisors?.find((u) => u.id === detail.signedBy)?.name;
      return html`<p class="notice" data-state="signed">
          ${icons.check}${by && detail.signedAt ? this.t('sign.signedBy', { name: by, date: this.i18n.i18n.dateTime(detail.signedAt) }) : this.t('sign.signed')}
        </p>
        <button class="btn primary big" data-action="report" @click=${() => emit(this, 'ld-navigate', { screen: 'report', sampleId: this.sampleId })}>
          ${icons.report}${this.t('diff.report')}
        </button>`;
    }
    if (detail.pendingFields) return html`<p class="notice warning" data-state="analysing">${this.t('sign.analysing', { n: detail.pendingFields })}</p>`;
    if (!detail.fields.some((f) => f.status === 'analysed')) {
      return html`<p class="notice warning" data-state="nothing">${this.t('sign.nothing')}</p>
        <button class="btn primary" @click=${() => emit(this, 'ld-navigate', { screen: 'capture', sampleId: this.sampleId })}>${icons.camera}${this.t('diff.addField')}</button>`;
    }
    const toReview = (state: string, message: string) => html`<div class="notice warning" data-state=${state}>
      <span>${icons.warning} ${message}</span>
      <button class="btn primary" data-action="review" @click=${() => emit(this, 'ld-navigate', { screen: 'review', sampleId: this.sampleId })}>
        ${this.t('sign.review')}${icons.next}
      </button>
    </div>`;
    const unknown = unidentified(d);
    if (unknown) return toReview('unidentified', this.t('sign.unidentified', { n: unknown }));
    if (d.review.unseen) return toReview('unseen', this.t('sign.unseen', { n: d.review.unseen }));
    if (d.review.pending) {
      return html`<div class="notice warning" data-state="pending">
        <span>${icons.warning} ${this.t('sign.pending', { n: d.review.pending })}</span>
        <button class="btn primary" data-action="show-pending" @click=${() => this.showPending()}>${this.t('sign.showPending')}${icons.next}</button>
      </div>`;
    }
    if (this.supervisors && !this.supervisors.length) {
      return html`<p class="notice warning" data-state="no-supervisor">${this.t('sign.noSupervisor')}</p>
        <button class="btn primary" @click=${() => emit(this, 'ld-navigate', { screen: 'settings' })}>${icons.settings}${this.t('top.settings')}</button>`;
    }
    const short = !d.targetReached
      ? html`<div class="short" data-state="short">
          <p>${this.t('sign.short', { n: d.counted, target: d.target })}</p>
          ${SHORT_REASONS.map(
            (key) => html`<button class="btn outline" data-short-reason=${key} aria-pressed=${this.shortReason === key ? 'true' : 'false'} @click=${() => (this.shortReason = key)}>
              ${this.shortReason === key ? icons.check : ''}${this.t(key)}
            </button>`,
          )}
        </div>`
      : '';
    if (!d.targetReached && !this.shortReason) return short;
    return html`${short}<ld-pin-pad
        .users=${this.supervisors ?? []}
        .preferredUserId=${this.session.value?.user?.id ?? null}
        .submitLabel=${this.t('sign.sign')}
        .busy=${this.busy}
        @ld-pin-submit=${(e: CustomEvent<Credentials>) => void this.sign(e.detail)}
      ></ld-pin-pad>`;
  }

  override render() {
    const detail = this.sample.detail;
    if (!detail) return loadingNotice(this.i18n.i18n, this.sample.error);
    const d = detail.differential;
    return html`<div class="screen">
      <div class="column left scroll">
        <h1>${this.t('sign.title')}</h1>
        <p class="muted">${detail.reference}</p>
        <ld-count-progress .counted=${d.counted} .target=${d.target}></ld-count-progress>
        ${d.counted < d.target ? html`<p class="notice warning">${this.t('sign.belowTarget', { n: d.counted, target: d.target })}</p>` : ''}
        <p>${this.t('home.fields', { n: detail.fieldCount })} · ${this.t('field.cells', { n: d.counted })}</p>
        ${this.canSign() ? html`<p class="notice" data-state="ready">${icons.sign}${this.t('sign.ready')}</p>` : ''}
      </div>
      <div class="column right scroll">${this.renderRight()}</div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-sign-screen': SignScreen;
  }
}
