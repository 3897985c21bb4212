/**
 * Device health for the network admin and the kiosk: CPU load and temperature, memory, free space
 * of the data folder, GPU where readable (nvidia-smi through systeminformation, or the Jetson's
 * sysfs load), uptime. Probes that hang or fail give null rather than an error; the result is
 * cached for a few seconds because some probes spawn processes.
 */
import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import si from 'systeminformation';
import type { GpuHealth } from '../../contracts/api/device.ts';

/** The host's part of GET /api/device (src/contracts/api/device.ts); the disk's path stays in the daemon (the reply's schema drops it). */
export interface HostHealth {
  cpu: { cores: number; loadPercent: number | null; loadAverage: number[]; temperatureC: number | null };
  memory: { totalMB: number; availableMB: number };
  disk: { path: string; totalMB: number; freeMB: number };
  gpu: GpuHealth[];
  uptimeSeconds: { system: number; daemon: number };
}

const JETSON_GPU_LOAD = ['/sys/devices/gpu.0/load', '/sys/devices/platform/gpu.0/load', '/sys/devices/platform/bus@0/17000000.gpu/load'];
const PROBE_TIMEOUT_MS = 2000;
const CACHE_MS = 5000;

function within<T>(p: Promise<T>, ms = PROBE_TIMEOUT_MS): Promise<T | null> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.catch(() => null),
    new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

async function jetsonGpu(): Promise<GpuHealth | null> {
  for (const file of JETSON_GPU_LOAD) {
    const text = await readFile(file, 'utf8').catch(() => null);
    // The file holds the load in tenths of a percent.
    if (text !== null && /^\d+\s*$/.test(text)) {
      return { name: 'Jetson integrated GPU', loadPercent: Number(text) / 10, temperatureC: null, memoryUsedMB: null, memoryTotalMB: null };
    }
  }
  return null;
}

async function gpus(): Promise<GpuHealth[]> {
  const jetson = await jetsonGpu();
  if (jetson) return [jetson];
  const g = await within(si.graphics(), 4000);
  return (g?.controllers ?? [])
    .filter((c) => num(c.utilizationGpu) !== null || num(c.memoryTotal) !== null)
    .map((c) => ({
      name: c.model || c.vendor || 'GPU',
      loadPercent: num(c.utilizationGpu),
      temperatureC: num(c.temperatureGpu),
      memoryUsedMB: num(c.memoryUsed),
      memoryTotalMB: num(c.memoryTotal),
    }));
}

async function probe(dataDir: string): Promise<HostHealth> {
  const [load, temp, mem, fsStat, gpu] = await Promise.all([within(si.currentLoad()), within(si.cpuTemperature()), within(si.mem()), within(statfs(dataDir)), gpus()]);
  return {
    cpu: {
      cores: os.availableParallelism(),
      loadPercent: num(load?.currentLoad) === null ? null : Math.round(load!.currentLoad * 10) / 10,
      loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
      temperatureC: num(temp?.main),
    },
    memory: { totalMB: mb(mem?.total ?? os.totalmem()), availableMB: mb(mem?.available ?? os.freemem()) },
    disk: { path: dataDir, totalMB: fsStat ? mb(fsStat.blocks * fsStat.bsize) : 0, freeMB: fsStat ? mb(fsStat.bavail * fsStat.bsize) : 0 },
    gpu,
    uptimeSeconds: { system: Math.round(os.uptime()), daemon: Math.round(process.uptime()) },
  };
}

export class DeviceHealth {
  private cached: { at: number; value: Promise<HostHealth> } | null = null;

  constructor(private readonly dataDir: string) {}

  read(): Promise<HostHealth> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > CACHE_MS) this.cached = { at: now, value: probe(this.dataDir) };
    return this.cached.value;
  }
}
