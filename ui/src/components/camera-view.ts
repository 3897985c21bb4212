/** The live picture of the microscope camera, or what stops it and what to do. */
import { css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { CameraState } from '../controllers/camera-controller.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';
import { icons } from './icons.ts';
import { KioskElement } from './kiosk-element.ts';

@customElement('ld-camera-view')
export class CameraView extends KioskElement {
  @property({ attribute: false }) camera: CameraState = { kind: 'off' };

  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        align-items: center;
        justify-content: center;
        background: #111827;
        border-radius: 12px;
        overflow: hidden;
        color: ${C.barText};
      }
      video {
        width: 100%;
        height: 100%;
        object-fit: contain;
        display: block;
      }
      .message {
        display: flex;
        flex-direction: column;
        align-items: center;
        gap: 12px;
        padding: 24px;
        text-align: center;
        max-width: 520px;
      }
      .message svg {
        width: 56px;
        height: 56px;
      }
    `,
  ];

  private message(): string {
    const c = this.camera;
    if (c.kind === 'error') {
      if (c.reason === 'denied') return this.t('capture.denied');
      if (c.reason === 'missing') return this.t('capture.noCamera');
      // The browser's own message is English: the nurse reads what to do.
      return this.t('capture.cameraError', { message: this.t('failure.camera') });
    }
    return this.t('capture.starting');
  }

  override render() {
    const c = this.camera;
    if (c.kind === 'live') return html`<video data-live autoplay muted playsinline .srcObject=${c.stream}></video>`;
    return html`<div class="message" role="status">${c.kind === 'error' ? icons.warning : icons.camera}<span>${this.message()}</span></div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-camera-view': CameraView;
  }
}
