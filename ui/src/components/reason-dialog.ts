/**
 * Asks why a signed sample changes (the API refuses a change without a reason): preset reasons as
 * big buttons, since there is no keyboard.
 */
import { css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { emit } from '../events.ts';
import type { MessageKey } from '../i18n/en.ts';
import { REASON_PRESETS } from '../services/prompts.ts';
import { baseStyles } from '../theme/styles.ts';
import { dialogStyles } from './dialog-styles.ts';
import { KioskElement } from './kiosk-element.ts';

@customElement('ld-reason-dialog')
export class ReasonDialog extends KioskElement {
  @property() suggested: MessageKey = 'reason.reclassified';

  static override styles = [
    baseStyles,
    dialogStyles,
    css`
      .choices {
        display: flex;
        flex-direction: column;
        gap: 10px;
      }
      .choices .btn {
        justify-content: flex-start;
      }
    `,
  ];

  private answer(reason: string | null) {
    emit(this, 'ld-reason', reason);
  }

  override render() {
    const presets = [this.suggested, ...REASON_PRESETS.filter((k) => k !== this.suggested)];
    return html`<div class="backdrop">
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="title">
        <h2 id="title">${this.t('reason.title')}</h2>
        <p>${this.t('reason.intro')}</p>
        <div class="choices">
          ${presets.map((key, i) => html`<button class="btn ${i === 0 ? 'primary' : 'outline'}" data-reason=${key} @click=${() => this.answer(this.t(key))}>${this.t(key)}</button>`)}
        </div>
        <div class="actions"><button class="btn" data-reason="cancel" @click=${() => this.answer(null)}>${this.t('reason.cancel')}</button></div>
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-reason-dialog': ReasonDialog;
  }
}
