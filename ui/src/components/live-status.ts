/**
 * What hands-free capture is doing, in the side panel (never over the picture): what the preview
 * shows, the last field taken or the last problem, and the sample's fields so far.
 */
import { css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { LiveProblem, LiveStatus } from '../controllers/live-capture-controller.ts';
import { en, type MessageKey } from '../i18n/en.ts';
import { fieldFailureKey } from '../logic/field-failure.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';
import { icons } from './icons.ts';
import { KioskElement } from './kiosk-element.ts';

/** Statuses after which the nurse has something to do, shown in the warning colour. */
const ASKING: readonly LiveStatus[] = ['empty', 'blurred', 'same', 'unchanged'];

@customElement('ld-live-status')
export class LiveStatusView extends KioskElement {
  @property() status: LiveStatus = 'starting';
  @property({ type: Number }) lastTaken: number | null = null;
  @property({ attribute: false }) problem: LiveProblem | null = null;
  @property({ type: Number }) fields = 0;

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        background: ${C.surface};
        border-radius: 12px;
        padding: 8px 12px;
      }
      .status {
        display: flex;
        align-items: center;
        gap: 8px;
        font-weight: 700;
        font-size: 19px;
        line-height: 1.2;
      }
      .dot {
        width: 14px;
        height: 14px;
        border-radius: 50%;
        background: ${C.line};
        flex: none;
      }
      .status[data-tone='go'] .dot {
        background: ${C.success};
      }
      .status[data-tone='ask'] .dot {
        background: ${C.focus};
      }
      .line {
        margin-top: 6px;
        font-size: 17px;
        line-height: 1.25;
        display: flex;
        justify-content: space-between;
        gap: 8px;
      }
      .problem {
        margin-top: 6px;
        background: ${C.warningBg};
        color: ${C.warningText};
        border-radius: 8px;
        padding: 4px 8px;
        font-size: 17px;
        font-weight: 600;
        line-height: 1.25;
        overflow: hidden;
        display: -webkit-box;
        -webkit-line-clamp: 3;
        -webkit-box-orient: vertical;
      }
      .problem svg {
        width: 20px;
        height: 20px;
        vertical-align: -3px;
        margin-right: 4px;
      }
    `,
  ];

  private reason(w: { code: string; message: string }): string {
    const key = `live.reason.${w.code}`;
    return key in en ? this.t(key as MessageKey) : w.message;
  }

  private problemText(p: LiveProblem): string {
    switch (p.kind) {
      case 'overlap':
        return this.t('live.overlap');
      case 'rejected':
        return this.t('live.notTaken', { n: p.seq, reason: p.warnings.map((w) => this.reason(w)).join(', ') });
      case 'failed':
        return this.t('live.failed', { n: p.seq, message: this.t(fieldFailureKey(p.message)) });
    }
  }

  override render() {
    const s = this.status;
    const tone = s === 'settling' || s === 'sending' ? 'go' : ASKING.includes(s) ? 'ask' : 'wait';
    return html`<div class="status" role="status" data-live-status=${s} data-tone=${tone}><span class="dot"></span>${this.t(`live.${s}`)}</div>
      ${this.problem ? html`<div class="problem" data-live-problem=${this.problem.kind}>${icons.warning}${this.problemText(this.problem)}</div>` : ''}
      <div class="line muted">
        <span data-live-taken>${this.lastTaken !== null ? this.t('live.taken', { n: this.lastTaken }) : ''}</span>
        <span data-live-fields=${this.fields}>${this.t('live.fields', { n: this.fields })}</span>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-live-status': LiveStatusView;
  }
}
