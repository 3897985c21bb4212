/** Small facts about samples that several screens need. */
import type { SampleStatus, SampleSummary } from '../api/types.ts';

export function isSigned(status: SampleStatus): boolean {
  return status === 'signed' || status === 'synced';
}

/** Same calendar day in the kiosk's time zone. */
export function isSameDay(iso: string, now: Date): boolean {
  const d = new Date(iso);
  return d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
}

export function todays(samples: readonly SampleSummary[], now: Date): SampleSummary[] {
  return samples.filter((s) => isSameDay(s.createdAt, now) || isSameDay(s.updatedAt, now));
}

/** Signed samples the hub does not have yet: the sync backlog, oldest first. */
export function unsent(samples: readonly SampleSummary[]): SampleSummary[] {
  return samples.filter((s) => s.sync.state === 'queued' || s.sync.state === 'retrying').sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : 1));
}
