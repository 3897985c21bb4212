/**
 * The microscope camera (getUserMedia): started while the host is on screen, stopped when it
 * leaves, so the camera light goes off and another screen can have it. Grabs a full-resolution
 * frame as a JPEG, and small grey frames of the preview for judging the picture.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { KioskError } from '../i18n/errors.ts';
import { greyFrame, PREVIEW_WIDTH, type PreviewFrame } from '../logic/live-capture.ts';

export type CameraState = { kind: 'off' } | { kind: 'starting' } | { kind: 'live'; stream: MediaStream } | { kind: 'error'; reason: 'denied' | 'missing' | 'other'; message: string };

export interface CameraInfo {
  deviceId: string;
  /** The camera's own name; empty until the page may use a camera. */
  label: string;
}

const JPEG_QUALITY = 0.95;

export async function listCameras(): Promise<CameraInfo[]> {
  if (!navigator.mediaDevices?.enumerateDevices) return [];
  const devices = await navigator.mediaDevices.enumerateDevices();
  return devices.filter((d) => d.kind === 'videoinput').map((d) => ({ deviceId: d.deviceId, label: d.label }));
}

export class CameraController implements ReactiveController {
  state: CameraState = { kind: 'off' };
  private frameSource: HTMLVideoElement | null = null;
  private starting = 0;
  /** Reused for every preview frame. */
  private preview: CanvasRenderingContext2D | null = null;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostDisconnected(): void {
    this.stop();
  }

  async start(deviceId: string | null): Promise<void> {
    this.stop();
    const attempt = ++this.starting;
    this.set({ kind: 'starting' });
    const size = { width: { ideal: 1920 }, height: { ideal: 1080 } };
    try {
      if (!navigator.mediaDevices?.getUserMedia) throw Object.assign(new Error('no camera API'), { name: 'NotFoundError' });
      let stream: MediaStream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: false, video: deviceId ? { ...size, deviceId: { exact: deviceId } } : size });
      } catch (err) {
        // The chosen camera was unplugged: take whichever is there.
        if (!deviceId || !['NotFoundError', 'OverconstrainedError'].includes((err as Error).name)) throw err;
        stream = await navigator.mediaDevices.getUserMedia({ audio: false, video: size });
      }
      if (attempt !== this.starting) {
        stream.getTracks().forEach((t) => t.stop());
        return;
      }
      const video = document.createElement('video');
      video.muted = true;
      video.playsInline = true;
      video.srcObject = stream;
      await video.play().catch(() => undefined);
      this.frameSource = video;
      this.set({ kind: 'live', stream });
    } catch (err) {
      if (attempt !== this.starting) return;
      const name = (err as Error).name;
      const reason = name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : name === 'NotFoundError' || name === 'OverconstrainedError' ? 'missing' : 'other';
      this.set({ kind: 'error', reason, message: (err as Error).message });
    }
  }

  stop(): void {
    this.starting++;
    if (this.state.kind === 'live') this.state.stream.getTracks().forEach((t) => t.stop());
    if (this.frameSource) this.frameSource.srcObject = null;
    this.frameSource = null;
    if (this.state.kind !== 'off') this.set({ kind: 'off' });
  }

  /** The current frame at the camera's own resolution. */
  async capture(): Promise<Blob> {
    const video = this.frameSource;
    if (!video || this.state.kind !== 'live' || !video.videoWidth) throw new KioskError('error.camera_stopped');
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext('2d')!.drawImage(video, 0, 0);
    return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new KioskError('error.frame_unsaved'))), 'image/jpeg', JPEG_QUALITY));
  }

  /** The current frame, `width` pixels wide and grey: cheap enough to take several times a second. */
  previewFrame(width = PREVIEW_WIDTH): PreviewFrame | null {
    const video = this.frameSource;
    if (!video || this.state.kind !== 'live' || !video.videoWidth || !video.videoHeight) return null;
    const height = Math.max(1, Math.round((video.videoHeight * width) / video.videoWidth));
    let ctx = this.preview;
    if (!ctx || ctx.canvas.width !== width || ctx.canvas.height !== height) {
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      ctx = canvas.getContext('2d', { willReadFrequently: true });
      if (!ctx) return null;
      this.preview = ctx;
    }
    // Averaging the many camera pixels behind each preview pixel keeps the camera's noise out.
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(video, 0, 0, width, height);
    return greyFrame(ctx.getImageData(0, 0, width, height).data, width, height);
  }

  private set(state: CameraState): void {
    this.state = state;
    this.host.requestUpdate();
  }
}
