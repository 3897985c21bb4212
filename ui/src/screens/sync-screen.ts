/**
 * Sending to the hub: the link's state, the signed samples the hub does not have yet, and the ones
 * set aside (refused, or failing again and again) with a way to send one again. Nothing here waits
 * on the hub: the box answers from its own records.
 */
import { css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { HUB_STATES, type SampleSummary, type SetAsideItem, type SyncStatus } from '../api/types.ts';
import { icons } from '../components/icons.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import { EventsController } from '../controllers/events-controller.ts';
import { PollingController } from '../controllers/polling-controller.ts';
import { emit } from '../events.ts';
import { busyWhile } from '../logic/busy-while.ts';
import { unsent } from '../logic/samples.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';

const REFRESH_MS = 10_000;

@customElement('ld-sync-screen')
export class SyncScreen extends KioskElement {
  @state() private status: SyncStatus | null = null;
  @state() private waiting: SampleSummary[] | null = null;
  @state() private setAside: SetAsideItem[] = [];
  @state() busy = false;

  constructor() {
    super();
    new EventsController(this, {
      onEvent: (e) => {
        if (e.type === 'sync.changed' || e.type === 'sample.changed') void this.load();
      },
      onResync: () => void this.load(),
    });
    new PollingController(this, () => this.load(), { everyMs: REFRESH_MS, immediate: true });
  }

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        height: 100%;
      }
      .link {
        display: flex;
        align-items: center;
        gap: 12px;
        flex-wrap: wrap;
      }
      .link p {
        flex: 1;
        min-width: 240px;
      }
      .facts {
        font-size: 17px;
        color: ${C.muted};
        display: flex;
        flex-wrap: wrap;
        gap: 4px 18px;
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

  private async load() {
    try {
      const [status, list, setAside] = await Promise.all([this.api.getSync(), this.api.listSamples(200), this.api.getSetAside()]);
      this.status = status;
      this.setAside = setAside;
      const asideIds = new Set(setAside.map((i) => i.sampleId));
      this.waiting = unsent(list.items).filter((s) => !asideIds.has(s.id));
    } catch (err) {
      this.fail(err);
    }
  }

  private async run(action: () => Promise<unknown>) {
    await busyWhile(this, async () => {
      await action();
      await this.load();
    });
  }

  private renderLink(s: SyncStatus) {
    const state = HUB_STATES.includes(s.state) ? s.state : 'stopped';
    const trouble = state === 'offline' || state === 'failing' || state === 'unauthorised';
    return html`<div class="notice ${trouble ? 'warning' : ''} link" data-hub=${state}>
        ${trouble ? icons.warning : icons.sync}
        <p>${this.t(`hub.${state}`)}</p>
        ${
          s.enabled
            ? html`<button class="btn primary" data-action="sync-now" ?disabled=${this.busy} @click=${() => void this.run(() => this.api.syncNow())}>${icons.sync}${this.t('hub.syncNow')}</button>`
            : ''
        }
      </div>
      <div class="facts">
        ${s.hub ? html`<span>${this.t('hub.address', { url: s.hub })}</span>` : ''}
        ${s.lastContactAt ? html`<span>${this.t('hub.lastContact', { date: this.i18n.i18n.dateTime(s.lastContactAt) })}</span>` : ''}
        ${s.nextAttemptAt && trouble ? html`<span>${this.t('hub.nextAttempt', { time: this.i18n.i18n.time(s.nextAttemptAt) })}</span>` : ''}
        ${s.lastError && trouble ? html`<span>${this.t('sync.lastError', { message: s.lastError })}</span>` : ''}
      </div>`;
  }

  override render() {
    const s = this.status;
    const waiting = this.waiting;
    const pending = s ? s.backlog.pending : null;
    return html`<div class="screen column scroll">
      <h1>${this.t('sync.title')}</h1>
      <p class="muted">${this.t('sync.explain')}</p>
      ${s ? this.renderLink(s) : html`<p class="notice">${this.t('common.loading')}</p>`}
      ${
        pending !== null
          ? html`<p class="notice ${pending ? 'warning' : ''}" data-backlog=${pending}>
            ${pending ? this.t('settings.hubBacklog', { n: pending }) : this.t('settings.hubAllSent')}
          </p>`
          : ''
      }
      ${(waiting ?? []).map(
        (w) => html`<div class="item" data-unsent=${w.id}>
          <span class="ref">${w.reference}</span>
          <button class="btn outline" @click=${() => emit(this, 'ld-navigate', { screen: 'report', sampleId: w.id })}>${icons.report}${this.t('diff.report')}</button>
          <span>${this.t(`sync.${w.sync.state}`)} · ${this.t('sync.attempts', { n: w.sync.attempts })}</span>
          ${w.sync.lastError ? html`<span class="error">${this.t('sync.lastError', { message: w.sync.lastError })}</span>` : ''}
        </div>`,
      )}
      ${
        this.setAside.length
          ? html`<h2>${this.t('hub.setAside')}</h2>
            <p class="muted">${this.t('hub.setAsideExplain')}</p>
            ${this.setAside.map(
              (i) => html`<div class="item" data-set-aside=${i.outboxId}>
                <span class="ref">${i.reference ?? i.sampleId}</span>
                <button class="btn primary" ?disabled=${this.busy} @click=${() => void this.run(() => this.api.retrySetAside(i.outboxId))}>
                  ${icons.sync}${this.t('hub.sendAgain')}
                </button>
                <span class="error">${i.reason}</span>
              </div>`,
            )}`
          : ''
      }
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-sync-screen': SyncScreen;
  }
}
