/** Settings of this kiosk alone (not of the clinic): which camera. Kept in the browser's storage. */
const CAMERA_KEY = 'leukodiff.cameraId';

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
}
