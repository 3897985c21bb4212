/**
 * The microscope calibration: the box's scale (um per pixel) from the measured fields of one normal
 * sample. Fields whose own red cells cannot be measured are analysed at it.
 */
import { css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { SampleSummary } from '../api/types.ts';
import { baseStyles } from '../theme/styles.ts';
import { SettingElement } from './setting-element.ts';

/** Recent samples offered to calibrate from. */
const RECENT = 5;

@customElement('ld-microscope-setting')
export class MicroscopeSetting extends SettingElement {
  @state() private samples: SampleSummary[] = [];

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

  override render() {
    const cal = this.settings?.microscopeCalibration ?? null;
    return html`<p data-calibration=${cal ? 'set' : 'none'}>
        ${
          cal
            ? this.t('settings.calibrated', {
                um: this.i18n.i18n.number(cal.umPerPixel, 4),
                n: cal.fields,
                reference: cal.sampleReference,
                date: this.i18n.i18n.dateTime(cal.at),
              })
            : this.t('settings.notCalibrated')
        }
      </p>
      <p class="muted">${this.t('settings.calibrateHow')}</p>
      <div class="choices">
        ${this.samples.map(
          (s) => html`<button
            class="btn outline"
            data-calibrate=${s.reference}
            ?disabled=${this.busy || !this.auth}
            @click=${() => void this.changeSettings((pin) => this.api.calibrateMicroscope(s.id, pin))}
          >
            ${this.t('settings.calibrateFrom', { reference: s.reference })}
          </button>`,
        )}
      </div>
      ${
        cal
          ? html`<button class="btn outline" data-action="forget-calibration" ?disabled=${this.busy || !this.auth} @click=${() => void this.changeSettings((pin) => this.api.clearCalibration(pin))}>
            ${this.t('settings.forgetCalibration')}
          </button>`
          : ''
      }`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-microscope-setting': MicroscopeSetting;
  }
}
