/** The sync backlog: signed samples the hub does not have yet, with their tries and last error. */
import { css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { SampleSummary } from '../api/types.ts';
import { icons } from '../components/icons.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import { EventsController } from '../controllers/events-controller.ts';
import { emit } from '../events.ts';
import { unsent } from '../logic/samples.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';

@customElement('ld-sync-screen')
export class SyncScreen extends KioskElement {
  @state() private waiting: SampleSummary[] | null = null;
  @state() private outboxPending: number | null = null;

  constructor() {
    super();
    new EventsController(this, {
      onEvent: (e) => {
        if (e.type === 'sync.changed' || e.type === 'sample.changed') void this.load();
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
      .item {
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 4px 12px;
        align-items: center;
        background: ${C.surface};
        border-radius: 12px;
        padding: 10px 14px;
      }
      .ref {
        font-weight: 800;
        font-size: 22px;
      }
      .error {
        grid-column: 1 / -1;
        color: ${C.warningText};
        background: ${C.warningBg};
        border-radius: 8px;
        padding: 4px 8px;
        font-size: 17px;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load() {
    try {
      const [list, device] = await Promise.all([this.api.listSamples(200), this.api.getDevice()]);
      this.waiting = unsent(list.items);
      this.outboxPending = device.outbox.pending;
    } catch (err) {
      this.fail(err);
    }
  }

  override render() {
    const waiting = this.waiting;
    return html`<div class="screen column scroll">
      <h1>${icons.sync} ${this.t('sync.title')}</h1>
      <p class="muted">${this.t('sync.explain')}</p>
      ${this.outboxPending !== null
        ? html`<p class="notice ${this.outboxPending ? 'warning' : ''}" data-backlog=${this.outboxPending}>
            ${this.outboxPending ? this.t('settings.hubBacklog', { n: this.outboxPending }) : this.t('settings.hubAllSent')}
          </p>`
        : ''}
      ${waiting && !waiting.length ? html`<p class="notice">${this.t('sync.nothing')}</p>` : ''}
      ${(waiting ?? []).map(
        (s) => html`<div class="item" data-unsent=${s.id}>
          <span class="ref">${s.reference}</span>
          <button class="btn outline" @click=${() => emit(this, 'ld-navigate', { screen: 'report', sampleId: s.id })}>${icons.report}${this.t('diff.report')}</button>
          <span>${this.t(`sync.${s.sync.state}`)} · ${this.t('sync.attempts', { n: s.sync.attempts })}</span>
          ${s.sync.lastError ? html`<span class="error">${this.t('sync.lastError', { message: s.sync.lastError })}</span>` : ''}
        </div>`,
      )}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-sync-screen': SyncScreen;
  }
}
