/**
 * How samples are counted: the leukocytes per sample (the count-to-N stop rule), how much of a new
 * field may show an earlier one, and how long the kiosk waits before it locks. Tap a value, type it.
 */
import { css, html, type PropertyValues } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import '../components/keypad.ts';
import type { MessageKey } from '../i18n/en.ts';
import { COUNTING_FIELDS, COUNTING_LIMITS, COUNTING_RULES, countingChanges, countingDraftOf, parseCountingValue, type CountingDraft, type CountingField } from '../logic/counting-settings.ts';
import { applyKey, type KeyAction } from '../logic/keypad.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';
import { SettingElement } from './setting-element.ts';

/** The unit follows the value typed and the limits shown beside the label. */
const TEXT: Record<CountingField, { label: MessageKey; explain: MessageKey; unit: MessageKey | null }> = {
  targetCount: { label: 'settings.targetCount', explain: 'settings.targetCountExplain', unit: null },
  maxFieldOverlap: { label: 'settings.maxFieldOverlap', explain: 'settings.maxFieldOverlapExplain', unit: 'settings.percentUnit' },
  idleLockMinutes: { label: 'settings.idleLockMinutes', explain: 'settings.idleLockMinutesExplain', unit: 'settings.minutesUnit' },
};

@customElement('ld-counting-setting')
export class CountingSetting extends SettingElement {
  @state() private draft: CountingDraft | null = null;
  @state() private editing: CountingField = 'targetCount';

  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        gap: 20px;
        align-items: flex-start;
      }
      .values {
        flex: 1;
        min-width: 0;
        display: flex;
        flex-direction: column;
        gap: 10px;
      }
      .row {
        display: flex;
        gap: 14px;
        align-items: center;
      }
      .value {
        flex: none;
        font-size: 34px;
        font-weight: 800;
        border: 4px solid ${C.line};
        border-radius: 12px;
        padding: 0 12px;
        width: 150px;
        min-height: 64px;
        background: ${C.surface};
      }
      .value.active {
        border-color: ${C.primary};
      }
      .value.invalid {
        border-color: ${C.danger};
      }
      .unit {
        font-size: 20px;
        font-weight: 600;
        margin-left: 4px;
      }
      .label {
        margin: 0;
        font-weight: 700;
      }
      .limits {
        white-space: nowrap;
      }
      .explain {
        margin: 2px 0 0;
        font-size: 15px;
      }
      ld-keypad {
        width: 260px;
        flex: none;
      }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('settings') && this.settings) this.draft = countingDraftOf(this.settings);
  }

  private onKey(action: KeyAction) {
    if (!this.draft) return;
    const field = this.editing;
    this.draft = { ...this.draft, [field]: applyKey(this.draft[field], action, COUNTING_RULES[field]) };
  }

  private async save() {
    const change = this.draft && this.settings && countingChanges(this.draft, this.settings);
    if (!change || !Object.keys(change).length) return;
    await this.changeSettings((auth) => this.api.updateSettings(change, auth));
  }

  private renderRow(field: CountingField, draft: CountingDraft) {
    const text = TEXT[field];
    const { min, max } = COUNTING_LIMITS[field];
    const invalid = parseCountingValue(field, draft[field]) === null;
    return html`<div class="row">
      <button
        class="btn value ${this.editing === field ? 'active' : ''} ${invalid ? 'invalid' : ''}"
        data-setting=${field}
        aria-pressed=${this.editing === field ? 'true' : 'false'}
        @click=${() => (this.editing = field)}
      >
        ${draft[field] || '–'}${text.unit ? html`<span class="unit">${this.t(text.unit)}</span>` : ''}
      </button>
      <div>
        <p class="label">${this.t(text.label)} <span class="limits">(${min}–${max}${text.unit ? ` ${this.t(text.unit)}` : ''})</span></p>
        <p class="explain muted">${this.t(text.explain)}</p>
      </div>
    </div>`;
  }

  override render() {
    const d = this.draft;
    if (!d || !this.settings) return html`<p class="notice">${this.t('common.loading')}</p>`;
    const change = countingChanges(d, this.settings);
    return html`<div class="values">${COUNTING_FIELDS.map((f) => this.renderRow(f, d))}</div>
      <ld-keypad
        .okLabel=${this.t('settings.save')}
        .okDisabled=${!change || !Object.keys(change).length || this.busy || !this.auth}
        @ld-key=${(e: CustomEvent<KeyAction>) => this.onKey(e.detail)}
        @ld-submit=${() => void this.save()}
      ></ld-keypad>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-counting-setting': CountingSetting;
  }
}
