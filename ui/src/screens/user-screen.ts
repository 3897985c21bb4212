/**
 * "Who is working?": a tap on a name and that person's PIN opens a session; their name then goes
 * on every change. Shown at the start, after signing out and when the session locked (idle); the
 * screen underneath stays as it was and is back once someone signs in.
 */
import { css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Credentials, SignInPerson } from '../api/types.ts';
import { icons } from '../components/icons.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import '../components/pin-pad.ts';
import { emit } from '../events.ts';
import { busyWhile } from '../logic/busy-while.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';

@customElement('ld-user-screen')
export class UserScreen extends KioskElement {
  /** Why it is shown: the kiosk starts, the session locked after idle time, or someone signed out. */
  @property() reason: 'start' | 'locked' = 'start';
  /** Chosen at first (the person who was working before the lock). */
  @property() lastUserId: string | null = null;
  @state() private people: SignInPerson[] | null = null;
  @state() busy = false;
  @state() private chosen: string | null = null;

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        height: 100%;
        background: ${C.page};
      }
      .left {
        flex: 1;
        min-width: 0;
      }
      ld-pin-pad {
        width: 420px;
        flex: none;
      }
      .tiles {
        display: flex;
        flex-wrap: wrap;
        gap: 12px;
        overflow-y: auto;
        min-height: 0;
      }
      .tile {
        min-width: 180px;
        min-height: 76px;
        font-size: 22px;
        justify-content: flex-start;
      }
      .tile[aria-pressed='true'] {
        background: ${C.primary};
        color: ${C.primaryText};
      }
      .tile small {
        display: block;
        font-size: 15px;
        font-weight: 600;
        opacity: 0.8;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.api
      .listPeople()
      .then((people) => (this.people = people))
      .catch((err) => this.fail(err));
  }

  private async signIn(cred: Credentials) {
    await busyWhile(this, async () => {
      const session = await this.api.signIn(cred);
      emit(this, 'ld-signed-in', session);
      emit(this, 'ld-notice', { key: session.pinChangeRequired ? 'user.changePin' : 'user.hello', vars: { name: session.user.name } });
    });
  }

  override render() {
    // The person tapped, else who worked before the lock, else the first name.
    const listed = (id: string | null) => !!id && !!this.people?.some((p) => p.id === id);
    const chosen = listed(this.chosen) ? this.chosen : listed(this.lastUserId) ? this.lastUserId : (this.people?.[0]?.id ?? null);
    return html`<div class="screen" data-gate="who">
      <div class="column left">
        <h1>${this.t('user.title')}</h1>
        ${this.reason === 'locked' ? html`<p class="notice" data-locked>${this.t('user.locked')}</p>` : ''}
        <p class="muted">${this.t('user.explain')}</p>
        ${this.people && !this.people.length ? html`<p class="notice warning">${this.t('user.none')}</p>` : ''}
        <div class="tiles" role="group" aria-label=${this.t('user.title')}>
          ${(this.people ?? []).map(
            (p) => html`<button class="btn outline tile" data-user=${p.id} aria-pressed=${p.id === chosen ? 'true' : 'false'} @click=${() => (this.chosen = p.id)}>
              ${icons.user}<span>${p.name}<small>${this.t(`role.${p.role}`)}</small></span>
            </button>`,
          )}
        </div>
      </div>
      ${
        this.people?.length
          ? html`<ld-pin-pad
            hideUsers
            .users=${this.people}
            .preferredUserId=${chosen}
            .submitLabel=${this.t('user.ok')}
            .busy=${this.busy}
            @ld-pin-submit=${(e: CustomEvent<Credentials>) => void this.signIn(e.detail)}
          ></ld-pin-pad>`
          : ''
      }
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-user-screen': UserScreen;
  }
}
