/**
 * Device health: temperatures, disk, memory, load, the analysis queue, and the detectors in use, in
 * the nurse's language (the daemon's own explanations stay in its log).
 */
import { css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { DeviceHealth, EngineHealth } from '../api/types.ts';
import { icons } from '../components/icons.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import { PollingController } from '../controllers/polling-controller.ts';
import { hoursMinutes, HOT_C, summarizeDevice } from '../logic/device.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';

const REFRESH_MS = 5000;

@customElement('ld-health-screen')
export class HealthScreen extends KioskElement {
  @state() private device: DeviceHealth | null = null;
  @state() private engine: EngineHealth | null = null;

  constructor() {
    super();
    new PollingController(this, () => this.load(), { everyMs: REFRESH_MS, immediate: true });
  }

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        height: 100%;
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(280px, 1fr));
        gap: 12px;
        align-content: start;
      }
      .tile {
        background: ${C.surface};
        border-radius: 12px;
        padding: 12px 16px;
      }
      .tile.warn {
        background: ${C.warningBg};
        color: ${C.warningText};
      }
      .label {
        font-size: 17px;
        color: inherit;
        opacity: 0.85;
      }
      .value {
        font-size: 26px;
        font-weight: 800;
      }
      .wide {
        grid-column: 1 / -1;
      }
      .reason {
        font-size: 16px;
      }
      .flag {
        display: inline-flex;
        align-items: center;
        gap: 4px;
        font-size: 18px;
      }
    `,
  ];

  private async load() {
    try {
      [this.device, this.engine] = await Promise.all([this.api.getDevice(), this.engine ? Promise.resolve(this.engine) : this.api.getEngine()]);
    } catch (err) {
      this.fail(err);
    }
  }

  private size(mb: number): string {
    return mb >= 10_240 ? this.t('health.gb', { n: Math.round(mb / 1024) }) : this.t('health.mb', { n: mb });
  }

  /** A figure; `warning` (in words, not only a colour) when it needs attention. */
  private tile(label: string, value: string, warning: string | null = null, id = '') {
    return html`<div class="tile ${warning ? 'warn' : ''}" data-tile=${id}>
      <div class="label">${label}</div>
      <div class="value">${value}${warning ? html` <span class="flag">${icons.warning}${warning}</span>` : ''}</div>
    </div>`;
  }

  override render() {
    const d = this.device;
    const e = this.engine;
    const summary = d ? summarizeDevice(d) : null;
    const temp = (t: number | null) => (t === null ? this.t('health.unknown') : this.t('health.celsius', { n: Math.round(t) }));
    const up = d ? hoursMinutes(d.uptimeSeconds.daemon) : null;
    const hot = (t: number | null) => ((t ?? 0) >= HOT_C ? this.t('health.hot') : null);
    // The daemon's reason for its backend is English for the technician's log; the nurse reads ours.
    const gpu = d?.backend.name === 'tensorrt';
    return html`<div class="screen column scroll">
      <h1>${this.t('health.title')}</h1>
      ${
        d && summary
          ? html`<div class="grid">
            ${this.tile(this.t('health.cpuTemp'), temp(d.cpu.temperatureC), hot(d.cpu.temperatureC), 'cpu-temp')}
            ${d.gpu.map((g) => this.tile(this.t('health.gpu', { name: g.name }), temp(g.temperatureC), hot(g.temperatureC)))}
            ${this.tile(
              this.t('health.disk'),
              this.t('health.ofTotal', { free: this.size(d.disk.freeMB), total: this.size(d.disk.totalMB) }),
              summary.diskLow ? this.t('health.diskLow') : null,
              'disk',
            )}
            ${this.tile(this.t('health.memory'), this.t('health.ofTotal', { free: this.size(d.memory.availableMB), total: this.size(d.memory.totalMB) }))}
            ${this.tile(this.t('health.load'), d.cpu.loadPercent === null ? this.t('health.unknown') : this.t('health.percent', { n: Math.round(d.cpu.loadPercent) }))}
            ${this.tile(this.t('health.queue'), this.t('health.queueValue', { n: d.queue.length, capacity: d.queue.capacity }))}
            ${this.tile(this.t('health.outbox'), String(d.outbox.pending), null, 'outbox')}
            ${up ? this.tile(this.t('health.uptime'), this.t('health.duration', { h: up.h, m: up.m })) : ''}
            ${this.tile(this.t('health.version'), d.version)}
            <div class="tile wide" data-tile="backend" data-backend=${d.backend.name}>
              <div class="label">${this.t('health.backend')}</div>
              <div class="value">${this.t(gpu ? 'health.backendGpu' : 'health.backendCpu')}</div>
              <div class="reason">${this.t(gpu ? 'health.backendGpuNote' : 'health.backendCpuNote')}</div>
            </div>
            ${
              e
                ? html`<div class="tile wide" data-tile="models" data-fusion=${e.ensemble.mode}>
                  <div class="label">${this.t('health.models')}</div>
                  <div class="value">${e.models.map((m) => m.id).join(', ')}</div>
                  <div class="reason">
                    ${this.t('health.fusion', { n: e.models.length })} · ${e.models.map((m) => `${m.id} ${m.input.join('×')} ${m.sha256.slice(0, 12)}`).join(' · ')}
                  </div>
                </div>`
                : ''
            }
          </div>`
          : html`<p class="notice">${this.t('common.loading')}</p>`
      }
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-health-screen': HealthScreen;
  }
}
