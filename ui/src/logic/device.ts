/** The device badge: a warning when the box runs hot or its disk fills (results could not be stored). */
import type { DeviceHealth } from '../api/types.ts';

export const HOT_C = 80;
export const DISK_LOW_FRACTION = 0.1;
export const DISK_LOW_MB = 1024;

export interface DeviceSummary {
  /** Hottest of CPU and GPUs, when any is measured. */
  temperatureC: number | null;
  diskFreeFraction: number | null;
  hot: boolean;
  diskLow: boolean;
  warning: boolean;
}

export function summarizeDevice(d: DeviceHealth): DeviceSummary {
  const temps = [d.cpu.temperatureC, ...d.gpu.map((g) => g.temperatureC)].filter((t): t is number => t !== null);
  const temperatureC = temps.length ? Math.max(...temps) : null;
  const diskFreeFraction = d.disk.totalMB > 0 ? d.disk.freeMB / d.disk.totalMB : null;
  const hot = temperatureC !== null && temperatureC >= HOT_C;
  const diskLow = diskFreeFraction !== null && (diskFreeFraction < DISK_LOW_FRACTION || d.disk.freeMB < DISK_LOW_MB);
  return { temperatureC, diskFreeFraction, hot, diskLow, warning: hot || diskLow };
}

/** Whole hours and minutes of a duration in seconds. */
export function hoursMinutes(seconds: number): { h: number; m: number } {
  const total = Math.max(0, Math.floor(seconds / 60));
  return { h: Math.floor(total / 60), m: total % 60 };
}
