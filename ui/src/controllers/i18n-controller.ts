/** Gives a component the catalogue and re-renders it when the language changes. */
import { ContextConsumer } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { i18nContext } from '../context.ts';
import { I18n, type MessageKey, type Vars } from '../i18n/i18n.ts';

type Host = ReactiveControllerHost & HTMLElement;

/** Used before the shell provides one (a component rendered on its own). */
const fallback = new I18n('en');

export class I18nController implements ReactiveController {
  private readonly consumer: ContextConsumer<typeof i18nContext, Host>;
  private listening: I18n | null = null;
  private readonly onChange = () => this.host.requestUpdate();

  constructor(private readonly host: Host) {
    this.consumer = new ContextConsumer(host, { context: i18nContext, subscribe: true, callback: (i18n) => this.listen(i18n) });
    host.addController(this);
  }

  get i18n(): I18n {
    return this.consumer.value ?? fallback;
  }

  t(key: MessageKey, vars?: Vars): string {
    return this.i18n.t(key, vars);
  }

  hostConnected(): void {
    if (this.consumer.value) this.listen(this.consumer.value);
  }

  hostDisconnected(): void {
    this.listening?.removeEventListener('change', this.onChange);
    this.listening = null;
  }

  private listen(i18n: I18n): void {
    if (this.listening === i18n) return;
    this.listening?.removeEventListener('change', this.onChange);
    this.listening = i18n;
    i18n.addEventListener('change', this.onChange);
    this.host.requestUpdate();
  }
}
