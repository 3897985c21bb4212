/**
 * First-boot setup, for the technician on a box without users: the language, the first supervisor
 * (PIN of at least 6 digits), the recovery code (shown once, to be written down), then where the
 * hub address and the microscope calibration are set. No nurse ever makes a supervisor.
 */
import { css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { SetupStatus } from '../api/types.ts';
import { icons } from '../components/icons.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import { emit } from '../events.ts';
import { LANGS, type Lang } from '../i18n/i18n.ts';
import { busyWhile } from '../logic/busy-while.ts';
import '../settings/user-form.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';

type Step = 'language' | 'supervisor' | 'code' | 'finish';
const STEPS: Step[] = ['language', 'supervisor', 'code', 'finish'];
const LANGUAGE_NAMES: Record<Lang, string> = { en: 'English', fr: 'Français' };

@customElement('ld-setup-screen')
export class SetupScreen extends KioskElement {
  @state() private step: Step = 'language';
  @state() busy = false;
  @state() private recoveryCode: string | null = null;
  @state() private writtenDown = false;
  @state() private status: SetupStatus | null = null;

  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        height: 100%;
        background: ${C.page};
        padding: 12px 20px;
        box-sizing: border-box;
        gap: 10px;
      }
      header {
        display: flex;
        align-items: baseline;
        gap: 16px;
      }
      h1 {
        margin: 0;
      }
      .progress {
        color: ${C.muted};
        font-weight: 600;
      }
      .body {
        flex: 1;
        min-height: 0;
        display: flex;
        flex-direction: column;
        gap: 12px;
      }
      .langs {
        display: flex;
        gap: 16px;
      }
      .langs .btn {
        min-width: 220px;
        min-height: 88px;
        font-size: 26px;
      }
      .langs .btn[aria-pressed='true'] {
        background: ${C.primary};
        color: ${C.primaryText};
      }
      ld-user-form {
        flex: 1;
        min-height: 0;
      }
      .code {
        font: 700 40px ui-monospace, 'DejaVu Sans Mono', monospace;
        letter-spacing: 0.06em;
        background: ${C.surface};
        border: 3px dashed ${C.line};
        border-radius: 12px;
        padding: 14px 18px;
        align-self: flex-start;
        user-select: all;
      }
      .check[aria-pressed='true'] {
        background: ${C.primary};
        color: ${C.primaryText};
      }
      .actions {
        display: flex;
        gap: 12px;
        justify-content: flex-end;
      }
      dl {
        margin: 0;
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 8px 16px;
        font-size: 19px;
      }
      dt {
        font-weight: 700;
      }
      dd {
        margin: 0;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.api
      .getSetup()
      .then((s) => (this.status = s))
      .catch(() => undefined);
  }

  private async createSupervisor(name: string, pin: string) {
    await busyWhile(this, async () => {
      const lang = this.i18n.i18n.lang as Lang;
      const done = await this.api.setUp({ language: lang, supervisor: { name, pin } });
      this.recoveryCode = done.recoveryCode;
      this.step = 'code';
    });
  }

  private renderStep() {
    switch (this.step) {
      case 'language': {
        const lang = this.i18n.i18n.lang;
        return html`<p>${this.t('setup.languageExplain')}</p>
          <div class="langs" role="group">
            ${LANGS.map(
              (l) => html`<button class="btn outline" lang=${l} data-lang=${l} aria-pressed=${l === lang ? 'true' : 'false'} @click=${() => emit(this, 'ld-language', l)}>
                ${LANGUAGE_NAMES[l]}
              </button>`,
            )}
          </div>
          <span style="flex: 1"></span>
          <div class="actions">
            <button class="btn primary" data-action="next" @click=${() => (this.step = 'supervisor')}>${this.t('setup.next')}${icons.next}</button>
          </div>`;
      }
      case 'supervisor':
        return html`<p>${this.t('setup.supervisorExplain')}</p>
          <ld-user-form
            fixedRole="supervisor"
            .minPinLength=${6}
            .submitLabel=${this.t('setup.createSupervisor')}
            .busy=${this.busy}
            @ld-user-submit=${(e: CustomEvent<{ name: string; pin: string }>) => void this.createSupervisor(e.detail.name, e.detail.pin)}
          ></ld-user-form>`;
      case 'code':
        return html`<p>${this.t('setup.codeExplain')}</p>
          <div class="code" data-recovery-code>${this.recoveryCode}</div>
          <p class="muted">${this.t('setup.codeUse')}</p>
          <div class="actions">
            <button class="btn outline check" data-action="written-down" aria-pressed=${this.writtenDown ? 'true' : 'false'} @click=${() => (this.writtenDown = !this.writtenDown)}>
              ${this.writtenDown ? icons.check : ''}${this.t('setup.writtenDown')}
            </button>
            <button class="btn primary" data-action="next" ?disabled=${!this.writtenDown} @click=${() => ((this.recoveryCode = null), (this.step = 'finish'))}>
              ${this.t('setup.next')}${icons.next}
            </button>
          </div>`;
      case 'finish':
        return html`<dl>
            <dt>${this.t('setup.hub')}</dt>
            <dd data-hub>${this.status?.hubUrl ? this.t('setup.hubSet', { url: this.status.hubUrl }) : this.t('setup.hubUnset')}</dd>
            <dt>${this.t('setup.microscope')}</dt>
            <dd>${this.t('setup.microscopeLater')}</dd>
            <dt>${this.t('setup.usersTitle')}</dt>
            <dd>${this.t('setup.usersLater')}</dd>
          </dl>
          <span style="flex: 1"></span>
          <div class="actions">
            <button class="btn primary" data-action="finish" @click=${() => emit(this, 'ld-setup-done')}>${icons.check}${this.t('setup.finish')}</button>
          </div>`;
    }
  }

  override render() {
    const n = STEPS.indexOf(this.step) + 1;
    return html`<header data-gate="setup" data-step=${this.step}>
        <h1>${this.t('setup.title')}</h1>
        <span class="progress">${this.t('setup.step', { n, of: STEPS.length })}</span>
      </header>
      <div class="body">${this.renderStep()}</div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-setup-screen': SetupScreen;
  }
}
