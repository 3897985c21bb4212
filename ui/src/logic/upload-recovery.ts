/**
 * An upload whose answer was lost (the box stopped, restarted, or the network dropped) may still
 * have been kept by the daemon. The capture screen remembers which fields the sample had before and
 * the photo's SHA-256; once the box answers again, the field that came since (with that SHA-256
 * when the browser could compute it) is the one to open, instead of making the nurse retake it.
 */
import { ApiError } from '../api/client.ts';
import type { Field } from '../api/types.ts';

export interface LostUpload {
  /** The sample's fields before the upload. */
  known: ReadonlySet<string>;
  /** The photo's SHA-256 in hex; null when the browser cannot hash (no crypto.subtle outside a secure context). */
  sha256: string | null;
}

/** Whether an upload's failure leaves its fate unknown: no answer, or the box (or a proxy) failing, not a refusal. */
export function uploadFateUnknown(err: unknown): boolean {
  if (!(err instanceof ApiError)) return err instanceof TypeError;
  return err.code === 'offline' || /^http_5\d\d$/.test(err.code) || err.code === 'internal_error';
}

/** The field the daemon kept from the lost upload, if any. */
export function keptField(lost: LostUpload, fields: readonly Field[]): Field | null {
  const added = fields.filter((f) => !lost.known.has(f.id));
  const match = lost.sha256 ? added.filter((f) => f.image.sha256 === lost.sha256) : added;
  return match.length ? match[match.length - 1]! : null;
}

export async function sha256Hex(image: Blob): Promise<string | null> {
  if (!globalThis.crypto?.subtle) return null;
  const digest = await crypto.subtle.digest('SHA-256', await image.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
