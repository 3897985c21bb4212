/**
 * A new sample: its number (and, if known, the patient and the total WBC count) typed on the
 * on-screen keys or scanned; a USB barcode scanner types into the focused entry and ends with Enter.
 */
import { css, html, type PropertyValues } from 'lit';
import { customElement, property, queryAll, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import type { SampleStatus } from '../api/types.ts';
import { icons } from '../components/icons.ts';
import '../components/keyboard.ts';
import '../components/keypad.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import { emit } from '../events.ts';
import { ApiError } from '../api/client.ts';
import { busyWhile } from '../logic/busy-while.ts';
import { isSigned, normaliseReference, sameReference } from '../logic/samples.ts';
import type { MessageKey } from '../i18n/en.ts';
import { applyKey, applyText, DECIMAL_RULES, parseDecimal, PATIENT_RULES, REFERENCE_RULES, type EntryRules, type KeyAction } from '../logic/keypad.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';

type Entry = 'reference' | 'patient' | 'wbc';
const ENTRIES: { name: Entry; label: MessageKey; rules: EntryRules; optional: boolean }[] = [
  { name: 'reference', label: 'new.reference', rules: REFERENCE_RULES, optional: false },
  { name: 'patient', label: 'new.patient', rules: PATIENT_RULES, optional: true },
  { name: 'wbc', label: 'new.wbc', rules: DECIMAL_RULES, optional: true },
];

@customElement('ld-new-sample-screen')
export class NewSampleScreen extends KioskElement {
  /** A number scanned on the home screen. */
  @property() initialReference = '';
  @state() private values: Record<Entry, string> = { reference: '', patient: '', wbc: '' };
  @state() private active: Entry = 'reference';
  @state() busy = false;
  @queryAll('input') private inputs!: NodeListOf<HTMLInputElement>;
  /** Sent with the creation so a retry after a lost answer does not make a second sample. */
  private readonly sampleId = crypto.randomUUID();

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        height: 100%;
      }
      .form {
        width: 360px;
        flex: none;
      }
      label {
        display: flex;
        flex-direction: column;
        gap: 4px;
        font-weight: 700;
        font-size: 18px;
      }
      label .muted {
        font-weight: 400;
      }
      input {
        font: inherit;
        font-size: 26px;
        font-weight: 700;
        height: 56px;
        padding: 0 12px;
        border: 2px solid ${C.line};
        border-radius: 10px;
        background: ${C.surface};
        color: ${C.text};
        width: 100%;
        caret-color: ${C.primary};
      }
      input.active {
        border: 4px solid ${C.primary};
      }
      .keys {
        flex: 1;
        min-width: 0;
        justify-content: center;
      }
      ld-keypad {
        width: 100%;
        max-width: 440px;
        align-self: center;
      }
      .start {
        margin-top: auto;
      }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('initialReference') && this.initialReference) {
      this.values = { ...this.values, reference: applyText('', this.initialReference, REFERENCE_RULES) };
      this.active = 'patient';
    }
  }

  protected override updated(): void {
    this.inputFor(this.active)?.focus();
  }

  private inputFor(entry: Entry): HTMLInputElement | undefined {
    return [...this.inputs].find((i) => i.name === entry);
  }

  private rulesOf(entry: Entry): EntryRules {
    return ENTRIES.find((e) => e.name === entry)!.rules;
  }

  private set(entry: Entry, value: string) {
    this.values = { ...this.values, [entry]: value };
  }

  private onKey(action: KeyAction) {
    this.set(this.active, applyKey(this.values[this.active], action, this.rulesOf(this.active)));
  }

  /** A scanner (or a hardware keyboard) typed into the entry itself. */
  private onInput(entry: Entry, input: HTMLInputElement) {
    const typed = entry === 'wbc' ? input.value.replace(',', '.') : input.value;
    const value = applyText('', typed, this.rulesOf(entry));
    input.value = this.shown(entry, value);
    this.set(entry, value);
  }

  /** The WBC count with the language's decimal separator; the value itself keeps '.'. */
  private shown(entry: Entry, value: string): string {
    if (entry !== 'wbc') return value;
    return value.replace('.', this.i18n.i18n.decimalSeparator);
  }

  private next() {
    const i = ENTRIES.findIndex((e) => e.name === this.active);
    if (i < ENTRIES.length - 1) this.active = ENTRIES[i + 1]!.name;
    else void this.start();
  }

  private async start() {
    const reference = normaliseReference(this.values.reference);
    if (!reference) {
      this.active = 'reference';
      return emit(this, 'ld-error', new Error(this.t('new.referenceMissing')));
    }
    await busyWhile(this, async () => {
      try {
        // One sample per slide number: a second "S-1001" (the slide scanned again, another case or
        // spacing) opens the first. The daemon refuses a duplicate too (another tab was quicker).
        const existing = (await this.api.findSamples(reference)).items.find((s) => sameReference(s.reference, reference) && s.id !== this.sampleId);
        if (existing) return this.openExisting(existing.id, existing.reference, existing.status);
        const sample = await this.api.createSample({
          id: this.sampleId,
          reference,
          patientId: this.values.patient.trim() || null,
          wbcCount: parseDecimal(this.values.wbc),
        });
        emit(this, 'ld-navigate', { screen: 'capture', sampleId: sample.id });
      } catch (err) {
        const id = err instanceof ApiError && err.code === 'duplicate_reference' ? err.details.sampleId : undefined;
        if (typeof id === 'string') {
          const other = await this.api.getSample(id).catch(() => null);
          if (other) return this.openExisting(other.id, other.reference, other.status);
        }
        throw err;
      }
    });
  }

  private openExisting(id: string, reference: string, status: SampleStatus) {
    emit(this, 'ld-navigate', { screen: isSigned(status) ? 'report' : 'differential', sampleId: id });
    emit(this, 'ld-notice', { key: 'new.opened', vars: { reference } });
  }

  override render() {
    const onKey = (e: CustomEvent<KeyAction>) => this.onKey(e.detail);
    return html`<div class="screen">
      <div class="column form">
        <h1>${this.t('new.title')}</h1>
        <p class="muted">${this.t('new.hint')}</p>
        ${ENTRIES.map(
          (e) => html`<label>
            <span>${this.t(e.label)} ${e.optional ? html`<span class="muted">(${this.t('new.optional')})</span>` : ''}</span>
            <input
              name=${e.name}
              class=${this.active === e.name ? 'active' : ''}
              inputmode="none"
              autocomplete="off"
              spellcheck="false"
              .value=${live(this.shown(e.name, this.values[e.name]))}
              @focus=${() => (this.active = e.name)}
              @input=${(ev: Event) => this.onInput(e.name, ev.target as HTMLInputElement)}
              @keydown=${(ev: KeyboardEvent) => {
                if (ev.key === 'Enter') {
                  ev.preventDefault();
                  this.next();
                }
              }}
            />
          </label>`,
        )}
        <button class="btn primary big start" data-action="start" ?disabled=${this.busy || !this.values.reference.trim()} @click=${() => void this.start()}>
          ${icons.camera}${this.t('new.start')}
        </button>
      </div>
      <div class="column keys" @ld-key=${onKey} @ld-submit=${() => this.next()}>
        ${this.active === 'wbc' ? html`<ld-keypad decimal .okLabel=${this.t('kb.ok')}></ld-keypad>` : html`<ld-keyboard .okLabel=${this.t('kb.next')}></ld-keyboard>`}
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-new-sample-screen': NewSampleScreen;
  }
}
