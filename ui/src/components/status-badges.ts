/**
 * The sync backlog and the device's health, always in sight; a tap opens their details. Refreshed
 * on sync events and every half minute (temperature and disk change slowly).
 */
import { css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { DeviceHealth, SyncStatus } from '../api/types.ts';
import { EventsController } from '../controllers/events-controller.ts';
import { PollingController } from '../controllers/polling-controller.ts';
import { emit } from '../events.ts';
import { summarizeDevice } from '../logic/device.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';
import { icons } from './icons.ts';
import { KioskElement } from './kiosk-element.ts';

const REFRESH_MS = 30_000;

@customElement('ld-status-badges')
export class StatusBadges extends KioskElement {
  @state() private device: DeviceHealth | null = null;
  @state() private sync: SyncStatus | null = null;

  constructor() {
    super();
    new EventsController(this, {
      onEvent: (e) => {
        if (e.type === 'sync.changed' || (e.type === 'sample.changed' && (e.status === 'signed' || e.status === 'synced'))) void this.refresh();
      },
      onResync: () => void this.refresh(),
    });
    new PollingController(this, () => this.refresh(), { everyMs: REFRESH_MS, immediate: true });
  }

  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        gap: 8px;
      }
      .btn {
        background: transparent;
        color: ${C.barText};
        border-color: #6b7280;
        font-size: 18px;
        padding: 6px 12px;
        min-height: 52px;
      }
      .btn.warn {
        background: ${C.flag};
        color: ${C.flagText};
        border-color: ${C.flag};
      }
    `,
  ];

  private async refresh() {
    try {
      [this.device, this.sync] = await Promise.all([this.api.getDevice(), this.api.getSync()]);
    } catch {
      // The connection banner already says the box is unreachable.
    }
  }

  override render() {
    const d = this.device;
    const pending = this.sync ? this.sync.backlog.pending + this.sync.backlog.setAside : (d?.outbox.pending ?? 0);
    const hubTrouble = this.sync?.state === 'offline' || this.sync?.state === 'failing' || this.sync?.state === 'unauthorised' || !!this.sync?.backlog.setAside;
    const summary = d ? summarizeDevice(d) : null;
    return html`<button class="btn ${pending ? 'warn' : ''}" data-badge="backlog" @click=${() => emit(this, 'ld-navigate', { screen: 'sync' })}>
        ${hubTrouble ? icons.warning : icons.sync}<span>${pending ? this.t('top.backlog', { n: pending }) : this.t('top.backlogNone')}</span>
      </button>
      <button
        class="btn ${summary?.warning ? 'warn' : ''}"
        data-badge="device"
        aria-label=${summary?.warning ? this.t('top.deviceWarning') : this.t('top.device')}
        @click=${() => emit(this, 'ld-navigate', { screen: 'health' })}>
        ${summary?.warning ? icons.warning : icons.device}
        ${summary?.temperatureC != null ? html`<span>${this.t('health.celsius', { n: Math.round(summary.temperatureC) })}</span>` : ''}
        <span>${summary?.diskFreeFraction != null ? this.t('top.disk', { n: Math.round(summary.diskFreeFraction * 100) }) : this.t('top.device')}</span>
      </button>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-status-badges': StatusBadges;
  }
}
