/**
 * The microscope calibration: the box's scale (um per pixel) from the measured fields of one normal
 * sample. Fields whose own red cells cannot be measured are analysed at it.
 */
import { css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Credentials, SampleSummary, Settings } from '../api/types.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import { emit } from '../events.ts';
import { baseStyles } from '../theme/styles.ts';

/** Recent samples offered to calibrate from. */
const RECENT = 5;

@customElement('ld-microscope-setting')
export class MicroscopeSetting extends KioskElement {
  @property({ attribute: false }) settings: Settings | null = null;
  @property({ attribute: false }) auth: Credentials | null = null;
  @state() private samples: SampleSummary[] = [];
  @state() private busy = false;

  static override styles = [
    baseStyles,
    css`
      .choices {
        display: flex;
        flex-wrap: wrap;
        gap: 12px;
        margin: 12px 0;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.api
      .listSamples(RECENT)
      .then((list) => (this.samples = list.items))
      .catch((err) => this.fail(err));
  }

  private async change(action: () => Promise<Settings>) {
    if (!this.auth) return;
    this.busy = true;
    try {
      emit(this, 'ld-settings', await action());
      emit(this, 'ld-notice', { key: 'settings.saved' });
    } catch (err) {
      this.fail(err);
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const cal = this.settings?.microscopeCalibration ?? null;
    const auth = this.auth;
    return html`<p data-calibration=${cal ? 'set' : 'none'}>
        ${cal
          ? this.t('settings.calibrated', {
              um: this.i18n.i18n.number(cal.umPerPixel, 4),
              n: cal.fields,
              reference: cal.sampleReference,
              date: this.i18n.i18n.dateTime(cal.at),
            })
          : this.t('settings.notCalibrated')}
      </p>
      <p class="muted">${this.t('settings.calibrateHow')}</p>
      <div class="choices">
        ${this.samples.map(
          (s) => html`<button
            class="btn outline"
            data-calibrate=${s.reference}
            ?disabled=${this.busy || !auth}
            @click=${() => void this.change(() => this.api.calibrateMicroscope(s.id, auth!))}
          >
            ${this.t('settings.calibrateFrom', { reference: s.reference })}
          </button>`,
        )}
      </div>
      ${cal
        ? html`<button class="btn outline" data-action="forget-calibration" ?disabled=${this.busy || !auth} @click=${() => void this.change(() => this.api.clearCalibration(auth!))}>
            ${this.t('settings.forgetCalibration')}
          </button>`
        : ''}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-microscope-setting': MicroscopeSetting;
  }
}
