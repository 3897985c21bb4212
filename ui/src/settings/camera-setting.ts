/** Which camera this kiosk photographs with (kept in this browser: it is the kiosk's, not the clinic's). */
import { ContextConsumer } from '@lit/context';
import { css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { icons } from '../components/icons.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import { prefsContext } from '../context.ts';
import { listCameras, type CameraInfo } from '../controllers/camera-controller.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';

@customElement('ld-camera-setting')
export class CameraSetting extends KioskElement {
  @state() private cameras: CameraInfo[] | null = null;
  private readonly prefs = new ContextConsumer(this, { context: prefsContext });

  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 10px;
      }
      .btn {
        justify-content: flex-start;
      }
      .btn[aria-pressed='true'] {
        background: ${C.primary};
        color: ${C.primaryText};
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    listCameras()
      .then((cameras) => (this.cameras = cameras))
      .catch(() => (this.cameras = []));
  }

  private choose(id: string | null) {
    if (this.prefs.value) this.prefs.value.cameraId = id;
    this.requestUpdate();
  }

  override render() {
    const chosen = this.prefs.value?.cameraId ?? null;
    const cameras = this.cameras;
    if (cameras && !cameras.length) return html`<p class="notice warning">${this.t('settings.cameraNone')}</p>`;
    return html`<button class="btn outline" data-camera="default" aria-pressed=${chosen === null ? 'true' : 'false'} @click=${() => this.choose(null)}>
        ${icons.camera}${this.t('settings.cameraDefault')}
      </button>
      ${(cameras ?? []).map(
        (c, i) => html`<button class="btn outline" data-camera=${c.deviceId} aria-pressed=${chosen === c.deviceId ? 'true' : 'false'} @click=${() => this.choose(c.deviceId)}>
          ${icons.camera}${c.label || this.t('settings.cameraNumber', { n: i + 1 })}
        </button>`,
      )}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-camera-setting': CameraSetting;
  }
}
