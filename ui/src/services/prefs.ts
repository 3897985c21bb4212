/** Settings of this kiosk alone (not of the clinic): which camera, hands-free capture. Kept in the browser's storage. */
const CAMERA_KEY = 'leukodiff.cameraId';
const LIVE_KEY = 'leukodiff.liveCapture';

export class KioskPrefs extends EventTarget {
  constructor(private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>) {
    super();
  }

  get cameraId(): string | null {
    return this.storage.getItem(CAMERA_KEY);
  }

  set cameraId(id: string | null) {
    if (id) this.storage.setItem(CAMERA_KEY, id);
    else this.storage.removeItem(CAMERA_KEY);
    this.dispatchEvent(new Event('change'));
  }

  /** The capture screen takes fields by itself when the picture is steady and sharp. */
  get liveCapture(): boolean {
    return this.storage.getItem(LIVE_KEY) === 'on';
  }

  set liveCapture(on: boolean) {
    if (on) this.storage.setItem(LIVE_KEY, 'on');
    else this.storage.removeItem(LIVE_KEY);
    this.dispatchEvent(new Event('change'));
  }
}
