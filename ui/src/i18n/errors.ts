/**
 * An error in the nurse's language: the API's code when the catalogue knows it; a box that does not
 * answer, restarts or fails in words of the catalogue too (never the server's or the browser's
 * English); the server's message only for a refusal the catalogue does not know.
 */
import { ApiError } from '../api/client.ts';
import { en, type MessageKey } from './en.ts';
import type { I18n } from './i18n.ts';

/** A failure of the kiosk itself (the camera, the browser), told with a catalogue key, not in English. */
export class KioskError extends Error {
  constructor(readonly key: MessageKey) {
    super(key);
  }
}

export function errorKey(err: ApiError): MessageKey | null {
  const key = `error.${err.code}`;
  if (key in en) return key as MessageKey;
  // A proxy's or a stopping daemon's answer (502, 503 "Service Unavailable", 504): it comes back by itself.
  if (err.status === 502 || err.status === 503 || err.status === 504) return 'error.unavailable';
  if (err.status >= 500) return 'error.server';
  return null;
}

export function describeError(i18n: I18n, err: unknown): string {
  if (err instanceof KioskError) return i18n.t(err.key);
  if (err instanceof ApiError) {
    const key = errorKey(err);
    if (key) return i18n.t(key);
    return i18n.t('error.generic', { message: err.message });
  }
  // fetch's own TypeError ("Failed to fetch"): the box did not answer.
  if (err instanceof TypeError) return i18n.t('error.offline');
  if (err instanceof Error) return err.message;
  return i18n.t('error.generic', { message: String(err) });
}
