/**
 * Questions a screen needs answered before it can go on, shown by the app shell: the reason for
 * changing a signed sample.
 */
import type { MessageKey } from '../i18n/en.ts';

export interface ReasonRequest {
  /** The preset the nurse most likely wants, offered first. */
  suggested: MessageKey;
  resolve(reason: string | null): void;
}

export const REASON_PRESETS: MessageKey[] = ['reason.reclassified', 'reason.added', 'reason.field', 'reason.removed'];

export class Prompts extends EventTarget {
  pending: ReasonRequest | null = null;

  /** Resolves with the reason's text, or null when the nurse cancels. */
  askReason(suggested: MessageKey): Promise<string | null> {
    this.pending?.resolve(null);
    return new Promise((resolve) => {
      this.pending = {
        suggested,
        resolve: (reason) => {
          this.pending = null;
          this.dispatchEvent(new Event('change'));
          resolve(reason);
        },
      };
      this.dispatchEvent(new Event('change'));
    });
  }
}
