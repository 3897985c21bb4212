/** How many leukocytes a sample's differential counts (the count-to-N stop rule). */
import { css, html, type PropertyValues } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import '../components/keypad.ts';
import { applyKey, INTEGER_RULES, type KeyAction } from '../logic/keypad.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';
import { SettingElement } from './setting-element.ts';

export const TARGET_MIN = 10;
export const TARGET_MAX = 1000;

@customElement('ld-target-setting')
export class TargetSetting extends SettingElement {
  @state() private value = '';

  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        gap: 24px;
        align-items: flex-start;
      }
      .value {
        font-size: 40px;
        font-weight: 800;
        border: 4px solid ${C.primary};
        border-radius: 12px;
        padding: 4px 16px;
        min-width: 160px;
        background: ${C.surface};
        margin: 8px 0;
      }
      ld-keypad {
        width: 300px;
      }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('settings') && this.settings) this.value = String(this.settings.targetCount);
  }

  private async save() {
    const n = Number(this.value);
    if (!Number.isInteger(n) || n < TARGET_MIN || n > TARGET_MAX) return;
    await this.changeSettings((auth) => this.api.updateSettings({ targetCount: n }, auth));
  }

  override render() {
    const n = Number(this.value);
    const valid = Number.isInteger(n) && n >= TARGET_MIN && n <= TARGET_MAX;
    return html`<div>
        <p>${this.t('settings.targetCount')} (${TARGET_MIN}–${TARGET_MAX})</p>
        <div class="value" data-target-value>${this.value || '–'}</div>
      </div>
      <ld-keypad
        .okLabel=${this.t('settings.save')}
        .okDisabled=${!valid || this.busy || n === this.settings?.targetCount}
        @ld-key=${(e: CustomEvent<KeyAction>) => (this.value = applyKey(this.value, e.detail, INTEGER_RULES))}
        @ld-submit=${() => void this.save()}
      ></ld-keypad>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-target-setting': TargetSetting;
  }
}
