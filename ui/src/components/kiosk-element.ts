/** What every kiosk component has: the catalogue, the API, and a way to report a failure. */
import { ContextConsumer } from '@lit/context';
import { LitElement } from 'lit';
import type { ApiClient } from '../api/client.ts';
import { apiContext } from '../context.ts';
import { I18nController } from '../controllers/i18n-controller.ts';
import { emit } from '../events.ts';
import type { MessageKey, Vars } from '../i18n/i18n.ts';

export class KioskElement extends LitElement {
  protected readonly i18n = new I18nController(this);
  private readonly apiConsumer = new ContextConsumer(this, { context: apiContext });

  protected get api(): ApiClient {
    const api = this.apiConsumer.value;
    if (!api) throw new Error(`${this.localName}: no API provided (render it inside <ld-app>)`);
    return api;
  }

  protected t(key: MessageKey, vars?: Vars): string {
    return this.i18n.t(key, vars);
  }

  /** Reports an error to the shell, which shows it in the nurse's language. */
  fail(err: unknown): void {
    emit(this, 'ld-error', err);
  }
}
