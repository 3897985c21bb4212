/** The workflow API's view of the box: GET /api/device (its health) and GET /api/health (the engine). */

export interface GpuHealth {
  name: string;
  /** 0..100 */
  loadPercent: number | null;
  temperatureC: number | null;
  memoryUsedMB: number | null;
  memoryTotalMB: number | null;
}

/** GET /api/device; probes that fail give null. */
export interface DeviceHealth {
  version: string;
  /** The inference backend and, in English for the technician, why it was chosen. */
  backend: { name: string; reason: string };
  cpu: { cores: number; loadPercent: number | null; loadAverage: number[]; temperatureC: number | null };
  memory: { totalMB: number; availableMB: number };
  /** The data folder's disk (its path is not sent: no file paths leave the daemon). */
  disk: { totalMB: number; freeMB: number };
  gpu: GpuHealth[];
  uptimeSeconds: { system: number; daemon: number };
  queue: { length: number; capacity: number };
  outbox: { pending: number };
}

/** GET /api/health, answered without a session: no file names, paths or backend diagnostics. */
export interface EngineHealth {
  status: 'ok';
  version: string;
  backend: { name: string };
  models: { id: string; sha256: string; input: number[] }[];
  ensemble: { members: string[]; mode: string; iou: number };
  /** null when the cells are typed by the detectors' votes. */
  cellClassifier: { sha256: string; inputPx: number } | null;
  /** The loaded model set: a model update waits for this version before it keeps the new set. */
  modelSet: { version: string };
  uptimeSeconds: number;
}
