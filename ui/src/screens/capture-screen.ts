/**
 * Capture: the live microscope picture and a big shutter button (or a photo imported from a USB
 * stick). The photo goes to the daemon; when its analysis ends, quality warnings ask Retake or
 * Keep, otherwise the field's result opens. A reload while a field is analysed waits for it again.
 */
import { ContextConsumer } from '@lit/context';
import { css, html, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { Field } from '../api/types.ts';
import '../components/camera-view.ts';
import '../components/count-progress.ts';
import { icons } from '../components/icons.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import '../components/quality-dialog.ts';
import { prefsContext, promptsContext } from '../context.ts';
import { CameraController } from '../controllers/camera-controller.ts';
import { EventsController } from '../controllers/events-controller.ts';
import { SampleController } from '../controllers/sample-controller.ts';
import { emit } from '../events.ts';
import type { MessageKey } from '../i18n/en.ts';
import { isSigned } from '../logic/samples.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';

type Phase =
  | { kind: 'live' }
  | { kind: 'uploading' }
  | { kind: 'waiting'; field: Field }
  | { kind: 'quality'; field: Field }
  | { kind: 'failed'; field: Field };

/** In case an event was missed, ask for the field now and then while waiting. */
const POLL_MS = 3000;

@customElement('ld-capture-screen')
export class CaptureScreen extends KioskElement {
  @property() sampleId = '';
  @state() private phase: Phase = { kind: 'live' };
  @state() private busy = false;
  @query('input[type=file]') private fileInput!: HTMLInputElement;

  private readonly sample = new SampleController(this);
  private readonly camera = new CameraController(this);
  private readonly prefs = new ContextConsumer(this, { context: prefsContext });
  private readonly prompts = new ContextConsumer(this, { context: promptsContext });
  private resumeChecked = false;
  private poll: ReturnType<typeof setInterval> | undefined;

  constructor() {
    super();
    new EventsController(this, {
      onEvent: (e) => {
        const p = this.phase;
        if (p.kind === 'waiting' && 'fieldId' in e && e.fieldId === p.field.id && e.type !== 'field.queued') void this.refreshField(p.field.id);
      },
      onResync: () => {
        if (this.phase.kind === 'waiting') void this.refreshField(this.phase.field.id);
      },
    });
  }

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        height: 100%;
      }
      .stage {
        flex: 1;
        min-width: 0;
        position: relative;
        display: flex;
      }
      ld-camera-view {
        flex: 1;
      }
      .overlay {
        position: absolute;
        inset: 0;
        display: flex;
        flex-direction: column;
        align-items: center;
        justify-content: center;
        gap: 16px;
        background: rgb(17 24 39 / 0.78);
        color: ${C.barText};
        border-radius: 12px;
        font-size: 24px;
        font-weight: 700;
        text-align: center;
        padding: 24px;
      }
      .overlay img {
        max-width: 60%;
        max-height: 50%;
        border-radius: 10px;
      }
      .spinner {
        width: 56px;
        height: 56px;
        border: 7px solid rgb(255 255 255 / 0.3);
        border-top-color: #fff;
        border-radius: 50%;
        animation: spin 1s linear infinite;
      }
      @keyframes spin {
        to {
          transform: rotate(360deg);
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .spinner {
          animation: none;
        }
      }
      .side {
        width: 300px;
        flex: none;
      }
      .shutter {
        min-height: 150px;
        flex-direction: column;
        border-radius: 24px;
        font-size: 26px;
      }
      .shutter svg {
        width: 64px;
        height: 64px;
      }
      .bottom {
        margin-top: auto;
      }
      .overlay .actions {
        display: flex;
        gap: 12px;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.camera.start(this.prefs.value?.cameraId ?? null);
    this.poll = setInterval(() => {
      if (this.phase.kind === 'waiting') void this.refreshField(this.phase.field.id);
    }, POLL_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.poll);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('sampleId')) {
      this.sample.sampleId = this.sampleId;
      this.phase = { kind: 'live' };
      this.resumeChecked = false;
    }
    const detail = this.sample.detail;
    if (!this.resumeChecked && detail?.id === this.sampleId) {
      this.resumeChecked = true;
      const pending = [...detail.fields].reverse().find((f) => f.status === 'queued' || f.status === 'analysing');
      if (pending && this.phase.kind === 'live') this.phase = { kind: 'waiting', field: pending };
    }
  }

  /** A signed sample changes only with a reason; null when the nurse cancels. */
  private async reasonIfSigned(suggested: MessageKey): Promise<string | undefined | null> {
    const detail = this.sample.detail;
    if (!detail || !isSigned(detail.status)) return undefined;
    return (await this.prompts.value?.askReason(suggested)) ?? null;
  }

  private async takePhoto() {
    try {
      await this.upload(await this.camera.capture(), 'field.jpg');
    } catch (err) {
      this.fail(err);
    }
  }

  private async importPhoto() {
    const file = this.fileInput.files?.[0];
    this.fileInput.value = '';
    if (file) await this.upload(file, file.name);
  }

  private async upload(image: Blob, name: string) {
    const reason = await this.reasonIfSigned('reason.field');
    if (reason === null) return;
    this.phase = { kind: 'uploading' };
    try {
      const field = await this.api.uploadField(this.sampleId, image, name, reason);
      this.phase = { kind: 'waiting', field };
    } catch (err) {
      this.phase = { kind: 'live' };
      this.fail(err);
    }
  }

  private async refreshField(id: string) {
    try {
      this.decide(await this.api.getField(id));
    } catch (err) {
      this.phase = { kind: 'live' };
      this.fail(err);
    }
  }

  private decide(field: Field) {
    const p = this.phase;
    if (p.kind !== 'waiting' || p.field.id !== field.id) return;
    if (field.status === 'failed') this.phase = { kind: 'failed', field };
    else if (field.status !== 'analysed') this.phase = { kind: 'waiting', field };
    else if (field.quality?.warnings.length) this.phase = { kind: 'quality', field };
    else this.openField(field);
  }

  private openField(field: Field) {
    this.phase = { kind: 'live' };
    emit(this, 'ld-navigate', { screen: 'field', sampleId: this.sampleId, fieldId: field.id });
  }

  private async discard(field: Field) {
    const reason = await this.reasonIfSigned('reason.removed');
    if (reason === null) return;
    this.busy = true;
    try {
      await this.api.deleteField(field.id, reason);
      this.phase = { kind: 'live' };
    } catch (err) {
      this.fail(err);
    } finally {
      this.busy = false;
    }
  }

  private async retry(field: Field) {
    this.busy = true;
    try {
      const reason = await this.reasonIfSigned('reason.field');
      if (reason === null) return;
      this.phase = { kind: 'waiting', field: await this.api.retryField(field.id, reason) };
    } catch (err) {
      this.fail(err);
    } finally {
      this.busy = false;
    }
  }

  private renderOverlay() {
    const p = this.phase;
    switch (p.kind) {
      case 'live':
      case 'quality':
        return '';
      case 'uploading':
        return html`<div class="overlay" data-phase="uploading"><div class="spinner"></div>${this.t('capture.uploading')}</div>`;
      case 'waiting':
        return html`<div class="overlay" data-phase="waiting">
          <img src=${this.api.thumbnailUrl(p.field.id)} alt="" />
          <div class="spinner"></div>
          ${this.t(p.field.status === 'analysing' ? 'capture.analysing' : 'capture.queued')}
        </div>`;
      case 'failed':
        return html`<div class="overlay" data-phase="failed">
          ${icons.warning}<span>${this.t('capture.failed', { message: p.field.error ?? '' })}</span>
          <div class="actions">
            <button class="btn outline" ?disabled=${this.busy} @click=${() => void this.discard(p.field)}>${this.t('capture.discard')}</button>
            <button class="btn primary" ?disabled=${this.busy} @click=${() => void this.retry(p.field)}>${this.t('capture.retry')}</button>
          </div>
        </div>`;
    }
  }

  override render() {
    const detail = this.sample.detail;
    const p = this.phase;
    const idle = p.kind === 'live';
    return html`<div class="screen">
        <div class="stage">
          <ld-camera-view .camera=${this.camera.state}></ld-camera-view>
          ${this.renderOverlay()}
        </div>
        <div class="column side">
          <h1>${this.t('capture.title', { n: (detail?.fieldCount ?? 0) + (idle ? 1 : 0) })}</h1>
          ${detail ? html`<p class="muted">${detail.reference}</p>` : ''}
          ${detail ? html`<ld-count-progress .counted=${detail.differential.counted} .target=${detail.differential.target}></ld-count-progress>` : ''}
          ${detail && isSigned(detail.status) ? html`<p class="notice warning">${this.t('capture.signed')}</p>` : ''}
          <button class="btn primary shutter" data-action="capture" ?disabled=${!idle || this.camera.state.kind !== 'live'} @click=${() => void this.takePhoto()}>
            ${icons.camera}<span>${this.t('capture.take')}</span>
          </button>
          <button class="btn outline" data-action="import" ?disabled=${!idle} @click=${() => this.fileInput.click()}>${icons.import}${this.t('capture.import')}</button>
          <input type="file" accept="image/*" hidden @change=${() => void this.importPhoto()} />
          <button class="btn bottom" data-action="differential" @click=${() => emit(this, 'ld-navigate', { screen: 'differential', sampleId: this.sampleId })}>
            ${this.t('capture.toDifferential')}${icons.next}
          </button>
        </div>
      </div>
      ${p.kind === 'quality'
        ? html`<ld-quality-dialog
            .warnings=${p.field.quality?.warnings ?? []}
            .thumbnailUrl=${this.api.thumbnailUrl(p.field.id)}
            .busy=${this.busy}
            @ld-quality-decision=${(e: CustomEvent<{ keep: boolean }>) => (e.detail.keep ? this.openField(p.field) : void this.discard(p.field))}
          ></ld-quality-dialog>`
        : ''}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-capture-screen': CaptureScreen;
  }
}
