/** Who is working: a tap on a name and that person's PIN; their name then goes on every change. */
import { ContextConsumer } from '@lit/context';
import { css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { Credentials, User } from '../api/types.ts';
import { icons } from '../components/icons.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import '../components/pin-pad.ts';
import { sessionContext } from '../context.ts';
import { emit } from '../events.ts';
import { baseStyles } from '../theme/styles.ts';

@customElement('ld-user-screen')
export class UserScreen extends KioskElement {
  @state() private users: User[] | null = null;
  @state() private busy = false;
  private readonly session = new ContextConsumer(this, { context: sessionContext, subscribe: true });

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        height: 100%;
      }
      .left {
        flex: 1;
        min-width: 0;
      }
      ld-pin-pad {
        width: 420px;
        flex: none;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.api
      .listUsers()
      .then((users) => (this.users = users.filter((u) => u.active)))
      .catch((err) => this.fail(err));
  }

  private async choose(cred: Credentials) {
    this.busy = true;
    try {
      const user = await this.api.verifyPin(cred.userId, cred.pin);
      this.session.value?.set(user);
      emit(this, 'ld-navigate', { screen: 'home' });
      emit(this, 'ld-notice', { key: 'user.hello', vars: { name: user.name } });
    } catch (err) {
      this.fail(err);
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const current = this.session.value?.user ?? null;
    return html`<div class="screen">
      <div class="column left">
        <h1>${this.t('user.title')}</h1>
        <p class="muted">${this.t('user.explain')}</p>
        ${this.users && !this.users.length ? html`<p class="notice warning">${this.t('user.none')}</p>` : ''}
        ${current
          ? html`<button class="btn outline" data-action="sign-out" @click=${() => this.session.value?.set(null)}>${icons.close}${this.t('user.signOut')}</button>`
          : ''}
      </div>
      ${this.users?.length
        ? html`<ld-pin-pad
            .users=${this.users}
            .preferredUserId=${current?.id ?? null}
            .submitLabel=${this.t('user.ok')}
            .busy=${this.busy}
            @ld-pin-submit=${(e: CustomEvent<Credentials>) => void this.choose(e.detail)}
          ></ld-pin-pad>`
        : ''}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-user-screen': UserScreen;
  }
}
