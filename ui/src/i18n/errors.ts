/** An error in the nurse's language: the API's code when the catalogue knows it, its message otherwise. */
import { ApiError } from '../api/client.ts';
import { en, type MessageKey } from './en.ts';
import type { I18n } from './i18n.ts';

export function describeError(i18n: I18n, err: unknown): string {
  if (err instanceof ApiError) {
    const key = `error.${err.code}`;
    if (key in en) return i18n.t(key as MessageKey);
    return i18n.t('error.generic', { message: err.message });
  }
  if (err instanceof Error) return err.message;
  return i18n.t('error.generic', { message: String(err) });
}
