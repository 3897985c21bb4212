/** Small facts about samples that several screens need. */
import type { SampleStatus, SampleSummary } from '../api/types.ts';

export function isSigned(status: SampleStatus): boolean {
  return status === 'signed' || status === 'synced';
}

/** A sample number as the daemon stores it: trimmed, inner white space one space, Unicode NFC. */
export function normaliseReference(reference: string): string {
  return reference.normalize('NFC').trim().replace(/\s+/g, ' ');
}

/** Whether two sample numbers name one slide for the daemon (which ignores case, ASCII only). */
export function sameReference(a: string, b: string): boolean {
  const fold = (r: string) => normaliseReference(r).replace(/[A-Z]/g, (c) => c.toLowerCase());
  return fold(a) === fold(b);
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
