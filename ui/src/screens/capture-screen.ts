/**
 * Capture: the live microscope picture and a big shutter button (or a photo imported from a USB
 * stick). The photo goes to the daemon; when its analysis ends, quality warnings ask Retake or
 * Keep (the daemon records the answer: a reload asks again until it is given), otherwise the field's
 * result opens. A reload while a field is analysed waits for it again. When the box stops during an
 * upload, the screen waits for it to come back and opens the field if the daemon kept it.
 * Hands-free, the screen takes steady, sharp, new fields by itself and stays (see
 * LiveCaptureController); the shutter still works. Below the picture: the objective the box is
 * calibrated for.
 */
import { ContextConsumer } from '@lit/context';
import { css, html, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { Field } from '../api/types.ts';
import '../components/camera-view.ts';
import '../components/count-progress.ts';
import { icons } from '../components/icons.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import '../components/live-status.ts';
import '../components/live-toggle.ts';
import '../components/quality-dialog.ts';
import { prefsContext, promptsContext, setupContext } from '../context.ts';
import { CameraController } from '../controllers/camera-controller.ts';
import { EventsController } from '../controllers/events-controller.ts';
import { LiveCaptureController } from '../controllers/live-capture-controller.ts';
import { PollingController } from '../controllers/polling-controller.ts';
import { SampleController } from '../controllers/sample-controller.ts';
import { emit } from '../events.ts';
import type { MessageKey } from '../i18n/en.ts';
import { busyWhile } from '../logic/busy-while.ts';
import { calibrationLabel, scaleDigits } from '../logic/objective.ts';
import { fieldFailureKey } from '../logic/field-failure.ts';
import { isSigned } from '../logic/samples.ts';
import { keptField, sha256Hex, uploadFateUnknown, type LostUpload } from '../logic/upload-recovery.ts';
import { unlockTick } from '../services/tick.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';

type Phase =
  | { kind: 'live' }
  | { kind: 'uploading' }
  /** The upload got no answer: the daemon may have kept the field. */
  | { kind: 'lost'; lost: LostUpload }
  | { kind: 'waiting'; field: Field }
  | { kind: 'quality'; field: Field }
  | { kind: 'failed'; field: Field };

/** In case an event was missed, ask for the field now and then while waiting. */
const POLL_MS = 3000;

@customElement('ld-capture-screen')
export class CaptureScreen extends KioskElement {
  @property() sampleId = '';
  @state() private phase: Phase = { kind: 'live' };
  @state() busy = false;
  @query('input[type=file]') private fileInput!: HTMLInputElement;

  private readonly sample = new SampleController(this);
  private readonly camera = new CameraController(this);
  private readonly prefs = new ContextConsumer(this, { context: prefsContext });
  private readonly prompts = new ContextConsumer(this, { context: promptsContext });
  private readonly setup = new ContextConsumer(this, { context: setupContext, subscribe: true });
  private readonly live = new LiveCaptureController(this, {
    camera: this.camera,
    sampleId: () => this.sampleId,
    canTake: () => this.phase.kind === 'live' && !this.busy && this.sample.detail?.id === this.sampleId && !this.signed,
    onError: (err) => this.fail(err),
  });
  private resumeChecked = false;

  constructor() {
    super();
    new EventsController(this, {
      onEvent: (e) => {
        const p = this.phase;
        if (p.kind === 'waiting' && 'fieldId' in e && e.fieldId === p.field.id && e.type !== 'field.queued') void this.refreshField(p.field.id);
      },
      onResync: () => void this.recheck(),
    });
    new PollingController(this, () => this.recheck(), { everyMs: POLL_MS });
  }

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        height: 100%;
      }
      .picture {
        flex: 1;
        min-width: 0;
        display: flex;
        flex-direction: column;
        gap: 6px;
      }
      .stage {
        flex: 1;
        min-height: 0;
        position: relative;
        display: flex;
      }
      .objective {
        font-size: 16px;
        line-height: 1.2;
      }
      .objective[data-objective='other'],
      .objective[data-objective='none'] {
        color: ${C.warningText};
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
      .shoot {
        display: flex;
        gap: 12px;
      }
      .shoot ld-live-toggle {
        width: 140px;
        flex: none;
      }
      .shutter {
        flex: 1;
        min-height: 150px;
        flex-direction: column;
        border-radius: 24px;
        font-size: 26px;
        padding: 8px 12px;
      }
      .hands-free .shutter {
        min-height: 96px;
        gap: 4px;
        font-size: 22px;
      }
      .hands-free .shutter svg {
        width: 44px;
        height: 44px;
      }
      ld-live-status {
        flex: 0 1 auto;
        min-height: 0;
        overflow: hidden;
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
      /* 600 px high (less the connection banner), in French: every button stays on the screen. */
      @media (max-height: 700px) {
        .side {
          gap: 8px;
        }
        .side h1 {
          font-size: 24px;
        }
        .shutter {
          min-height: 110px;
          font-size: 22px;
        }
        .shutter svg {
          width: 48px;
          height: 48px;
        }
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.camera.start(this.prefs.value?.cameraId ?? null);
    this.live.enabled = this.prefs.value?.liveCapture ?? false;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('sampleId')) {
      this.sample.sampleId = this.sampleId;
      this.phase = { kind: 'live' };
      this.resumeChecked = false;
      this.live.reset();
    }
    const detail = this.sample.detail;
    if (!this.resumeChecked && detail?.id === this.sampleId) {
      this.resumeChecked = true;
      const pending = detail.fields.filter((f) => f.status === 'queued' || f.status === 'analysing');
      // Hands-free, every field still analysed is judged as if just taken; by hand, the last is waited for.
      if (this.live.enabled) pending.forEach((f) => this.live.follow(f));
      else if (pending.length && this.phase.kind === 'live') this.phase = { kind: 'waiting', field: pending[pending.length - 1]! };
      // A Retake or Keep left unanswered (a reload, another tab): ask it again.
      const asking = detail.fields.filter((f) => f.awaitingDecision);
      if (asking.length && this.phase.kind === 'live') this.phase = { kind: 'quality', field: asking[asking.length - 1]! };
    }
  }

  private get signed(): boolean {
    const detail = this.sample.detail;
    return !!detail && isSigned(detail.status);
  }

  private setLive(on: boolean) {
    // A tap: the one moment a page may start sound.
    if (on) unlockTick();
    if (this.prefs.value) this.prefs.value.liveCapture = on;
    this.live.enabled = on;
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
    const before = this.sample.detail;
    const known = before?.id === this.sampleId ? new Set(before.fields.map((f) => f.id)) : null;
    this.phase = { kind: 'uploading' };
    try {
      const field = await this.api.uploadField(this.sampleId, image, name, reason);
      this.phase = { kind: 'waiting', field };
    } catch (err) {
      if (known && uploadFateUnknown(err)) {
        this.phase = { kind: 'lost', lost: { known, sha256: await sha256Hex(image).catch(() => null) } };
        return;
      }
      this.phase = { kind: 'live' };
      this.fail(err);
    }
  }

  /** The box answers again: open the field it kept from the lost upload, or let the nurse retake it. */
  private async checkLost(lost: LostUpload) {
    let fields: Field[];
    try {
      fields = (await this.api.getSample(this.sampleId)).fields;
    } catch {
      return; // still away: the next poll or reconnection tries again
    }
    const p = this.phase;
    if (p.kind !== 'lost' || p.lost !== lost) return;
    const field = keptField(lost, fields);
    if (!field) {
      this.phase = { kind: 'live' };
      return emit(this, 'ld-notice', { key: 'capture.notKept' });
    }
    emit(this, 'ld-notice', { key: 'capture.recovered' });
    this.phase = { kind: 'waiting', field };
    this.decide(field);
  }

  /** A missed event: ask again for the field being waited for, or for the upload whose fate is unknown. */
  private async recheck() {
    const p = this.phase;
    if (p.kind === 'waiting') await this.refreshField(p.field.id);
    else if (p.kind === 'lost') await this.checkLost(p.lost);
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
    else if (field.awaitingDecision ?? !!field.quality?.warnings.length) this.phase = { kind: 'quality', field };
    else this.openField(field);
  }

  private openField(field: Field) {
    this.phase = { kind: 'live' };
    emit(this, 'ld-navigate', { screen: 'field', sampleId: this.sampleId, fieldId: field.id });
  }

  /** Keep despite the warnings: the daemon records it (the cells count from then on), then the result opens. */
  private async keep(field: Field) {
    await busyWhile(this, async () => this.openField(await this.api.keepField(field.id)));
  }

  private async discard(field: Field) {
    const reason = await this.reasonIfSigned('reason.removed');
    if (reason === null) return;
    await busyWhile(this, async () => {
      await this.api.deleteField(field.id, reason);
      this.phase = { kind: 'live' };
    });
  }

  private async retry(field: Field) {
    await busyWhile(this, async () => {
      const reason = await this.reasonIfSigned('reason.field');
      if (reason === null) return;
      this.phase = { kind: 'waiting', field: await this.api.retryField(field.id, reason) };
    });
  }

  private renderOverlay() {
    const p = this.phase;
    switch (p.kind) {
      case 'live':
      case 'quality':
        return '';
      case 'uploading':
        return html`<div class="overlay" data-phase="uploading"><div class="spinner"></div>${this.t('capture.uploading')}</div>`;
      case 'lost':
        return html`<div class="overlay" data-phase="lost"><div class="spinner"></div>${this.t('capture.lost')}</div>`;
      case 'waiting':
        return html`<div class="overlay" data-phase="waiting">
          <img src=${this.api.thumbnailUrl(p.field.id)} alt="" />
          <div class="spinner"></div>
          ${this.t(p.field.status === 'analysing' ? 'capture.analysing' : 'capture.queued')}
        </div>`;
      case 'failed':
        return html`<div class="overlay" data-phase="failed">
          ${icons.warning}<span data-error=${p.field.error ?? ''}>${this.t('capture.failed', { message: this.t(fieldFailureKey(p.field.error)) })}</span>
          <div class="actions">
            <button class="btn outline" ?disabled=${this.busy} @click=${() => void this.discard(p.field)}>${this.t('capture.discard')}</button>
            <button class="btn primary" ?disabled=${this.busy} @click=${() => void this.retry(p.field)}>${this.t('capture.retry')}</button>
          </div>
        </div>`;
    }
  }

  private renderObjective() {
    const label = calibrationLabel(this.setup.value?.settings?.microscopeCalibration);
    if (label.kind === 'none') return html`<p class="objective" data-objective="none">${this.t('objective.none')}</p>`;
    const um = this.i18n.i18n.number(label.umPerPixel, scaleDigits(label.umPerPixel));
    return html`<p class="objective muted" data-objective=${label.oil100x ? '100x' : 'other'}>
      ${this.t(label.oil100x ? 'objective.calibrated100x' : 'objective.calibratedOther', { um })}
    </p>`;
  }

  override render() {
    const detail = this.sample.detail;
    const p = this.phase;
    const idle = p.kind === 'live';
    const signed = this.signed;
    const handsFree = this.live.enabled && !signed;
    // Hands-free after a reload: the first touch anywhere lets the tick sound.
    return html`<div class="screen" @click=${() => handsFree && unlockTick()}>
        <div class="picture">
          <div class="stage">
            <ld-camera-view .camera=${this.camera.state}></ld-camera-view>
            ${this.renderOverlay()}
          </div>
          ${this.renderObjective()}
        </div>
        <div class="column side ${handsFree ? 'hands-free' : ''}">
          ${
            handsFree
              ? // The screen takes the fields itself: the sample is the heading, the status says the rest.
                html`<h1>${detail?.reference ?? ''}</h1>`
              : html`<h1>${this.t('capture.title', { n: (detail?.fieldCount ?? 0) + (idle || p.kind === 'uploading' || p.kind === 'lost' ? 1 : 0) })}</h1>
                ${detail ? html`<p class="muted">${detail.reference}</p>` : ''}`
          }
          ${detail ? html`<ld-count-progress .counted=${detail.differential.counted} .target=${detail.differential.target}></ld-count-progress>` : ''}
          ${signed ? html`<p class="notice warning">${this.t('capture.signed')}</p>` : ''}
          ${
            handsFree
              ? html`<ld-live-status
                .status=${this.live.status}
                .lastTaken=${this.live.lastTaken}
                .problem=${this.live.problem}
                .fields=${detail?.fieldCount ?? 0}
              ></ld-live-status>`
              : ''
          }
          <div class="shoot">
            <ld-live-toggle .on=${handsFree} ?disabled=${signed} @ld-live-change=${(e: CustomEvent<{ on: boolean }>) => this.setLive(e.detail.on)}></ld-live-toggle>
            <button class="btn primary shutter" data-action="capture" ?disabled=${!idle || this.camera.state.kind !== 'live' || this.live.sending} @click=${() => void this.takePhoto()}>
              ${icons.camera}<span>${this.t('capture.take')}</span>
            </button>
          </div>
          ${handsFree ? '' : html`<button class="btn outline" data-action="import" ?disabled=${!idle} @click=${() => this.fileInput.click()}>${icons.import}${this.t('capture.import')}</button>`}
          <input type="file" accept="image/*" hidden @change=${() => void this.importPhoto()} />
          <button class="btn bottom" data-action="differential" @click=${() => emit(this, 'ld-navigate', { screen: 'differential', sampleId: this.sampleId })}>
            ${this.t('capture.toDifferential')}${icons.next}
          </button>
        </div>
      </div>
      ${
        p.kind === 'quality'
          ? html`<ld-quality-dialog
            .warnings=${p.field.quality?.warnings ?? []}
            .thumbnailUrl=${this.api.thumbnailUrl(p.field.id)}
            .busy=${this.busy}
            @ld-quality-decision=${(e: CustomEvent<{ keep: boolean }>) => void (e.detail.keep ? this.keep(p.field) : this.discard(p.field))}
          ></ld-quality-dialog>`
          : ''
      }`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-capture-screen': CaptureScreen;
  }
}
