/**
 * Home: today's samples with their state and sync state, and the big "New sample" button. A slide
 * barcode scanned here opens its sample, or starts one with that number.
 */
import { ContextConsumer } from '@lit/context';
import { css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { SampleSummary } from '../api/types.ts';
import { icons } from '../components/icons.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import '../components/sample-row.ts';
import { setupContext } from '../context.ts';
import { EventsController } from '../controllers/events-controller.ts';
import { emit } from '../events.ts';
import { normaliseReference, sameReference, todays } from '../logic/samples.ts';
import { ScanBuffer } from '../logic/scanner.ts';
import { baseStyles } from '../theme/styles.ts';

const LIST_LIMIT = 100;
const RELOAD_DELAY_MS = 150;

@customElement('ld-home-screen')
export class HomeScreen extends KioskElement {
  @state() private samples: SampleSummary[] | null = null;
  @state() private showAll = false;
  private readonly setup = new ContextConsumer(this, { context: setupContext, subscribe: true });
  private readonly scans = new ScanBuffer();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onKey = (e: KeyboardEvent) => {
    // A scanner's Enter or space must not press whichever button was tapped last.
    if (e.key === 'Enter' || e.key === ' ') e.preventDefault();
    const code = this.scans.push(e.key, e.timeStamp);
    if (code) void this.openScanned(code.trim());
  };

  constructor() {
    super();
    new EventsController(this, {
      onEvent: (e) => {
        if (e.type === 'sample.changed' || e.type === 'sync.changed' || e.type === 'field.analysed') this.scheduleReload();
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
      .side {
        width: 330px;
        flex: none;
      }
      .new {
        min-height: 180px;
        flex-direction: column;
        font-size: 28px;
      }
      .new svg {
        width: 56px;
        height: 56px;
      }
      .list {
        flex: 1;
        min-width: 0;
      }
      .head {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 12px;
      }
      .items {
        display: flex;
        flex-direction: column;
        gap: 10px;
        flex: 1;
        min-height: 0;
        padding-bottom: 8px;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.onKey, { capture: true });
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.onKey, { capture: true });
    clearTimeout(this.timer);
  }

  private scheduleReload() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.load(), RELOAD_DELAY_MS);
  }

  private async load() {
    try {
      this.samples = (await this.api.listSamples(LIST_LIMIT)).items;
    } catch (err) {
      this.fail(err);
    }
  }

  private async openScanned(reference: string) {
    try {
      const found = (await this.api.findSamples(normaliseReference(reference))).items.find((s) => sameReference(s.reference, reference));
      emit(this, 'ld-navigate', found ? { screen: 'differential', sampleId: found.id } : { screen: 'new', reference });
    } catch (err) {
      this.fail(err);
    }
  }

  protected override updated(): void {
    // The first screen is usable once its list is on screen: the budget's "interactive" moment.
    if (this.samples && !performance.getEntriesByName('ld-interactive').length) performance.mark('ld-interactive');
  }

  override render() {
    const target = this.setup.value?.settings?.targetCount ?? 100;
    const shown = this.samples && (this.showAll ? this.samples : todays(this.samples, new Date()));
    return html`<div class="screen">
      <div class="column side">
        <button class="btn primary new" data-action="new-sample" @click=${() => emit(this, 'ld-navigate', { screen: 'new' })}>
          ${icons.plus}<span>${this.t('home.new')}</span>
        </button>
        <p class="muted">${this.t('home.scanHint')}</p>
      </div>
      <div class="column list">
        <div class="head">
          <h1>${this.showAll ? this.t('home.allTitle') : this.t('home.title')}</h1>
          <button class="btn outline" data-action="toggle-all" @click=${() => (this.showAll = !this.showAll)}>
            ${icons.list}${this.showAll ? this.t('home.showToday') : this.t('home.showAll')}
          </button>
        </div>
        <div class="items scroll" data-list=${shown ? 'loaded' : 'loading'}>
          ${shown && !shown.length ? html`<p class="notice">${this.showAll ? this.t('home.emptyAll') : this.t('home.empty')}</p>` : ''}
          ${(shown ?? []).map((s) => html`<ld-sample-row .sample=${s} .target=${target}></ld-sample-row>`)}
        </div>
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-home-screen': HomeScreen;
  }
}
