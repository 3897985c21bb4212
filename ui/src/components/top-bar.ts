/** The bar on every screen: back, home, who is signed in and sign-out, the status badges, language and settings. */
import { css, html } from 'lit';
import { ContextConsumer } from '@lit/context';
import { customElement, property } from 'lit/decorators.js';
import { sessionContext } from '../context.ts';
import { emit } from '../events.ts';
import { LANGS } from '../i18n/i18n.ts';
import { parentRoute, type Route } from '../logic/routes.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';
import { icons } from './icons.ts';
import { KioskElement } from './kiosk-element.ts';
import './status-badges.ts';

@customElement('ld-top-bar')
export class TopBar extends KioskElement {
  @property({ attribute: false }) route: Route = { screen: 'home' };
  private readonly session = new ContextConsumer(this, { context: sessionContext, subscribe: true });
  private readonly onSession = () => this.requestUpdate();

  override connectedCallback(): void {
    super.connectedCallback();
    this.session.value?.addEventListener('change', this.onSession);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.session.value?.removeEventListener('change', this.onSession);
  }

  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        flex: none;
        align-items: center;
        gap: 8px;
        height: 68px;
        padding: 0 8px;
        background: ${C.bar};
        color: ${C.barText};
      }
      .btn {
        background: transparent;
        color: ${C.barText};
        border-color: #6b7280;
        min-height: 52px;
        padding: 6px 14px;
        font-size: 18px;
      }
      .name {
        font-weight: 800;
        font-size: 22px;
        letter-spacing: 0.02em;
        padding: 0 6px;
      }
      .spacer {
        flex: 1;
      }
      .user span {
        max-width: 140px;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      @media (max-width: 1100px) {
        .label {
          display: none;
        }
      }
      @media print {
        :host {
          display: none;
        }
      }
    `,
  ];

  override render() {
    const parent = parentRoute(this.route);
    const lang = this.i18n.i18n.lang;
    const other = LANGS.find((l) => l !== lang) ?? 'en';
    return html`
      ${parent ? html`<button class="btn" data-nav="back" @click=${() => emit(this, 'ld-navigate', parent)}>${icons.back}<span>${this.t('top.back')}</span></button>` : ''}
      ${
        this.route.screen !== 'home'
          ? html`<button class="btn" data-nav="home" aria-label=${this.t('top.home')} @click=${() => emit(this, 'ld-navigate', { screen: 'home' })}>${icons.home}</button>`
          : html`<span class="name">${this.t('app.name')}</span>`
      }
      <span class="spacer"></span>
      <span class="btn user" data-signed-in>${icons.user}<span>${this.session.value?.user?.name ?? this.t('user.who')}</span></span>
      ${
        this.session.value?.user
          ? html`<button class="btn" data-nav="sign-out" aria-label=${this.t('user.signOut')} @click=${() => emit(this, 'ld-sign-out')}>
            ${icons.lock}<span class="label">${this.t('user.signOutShort')}</span>
          </button>`
          : ''
      }
      <ld-status-badges></ld-status-badges>
      <button class="btn" data-nav="language" lang=${other} aria-label=${this.t('top.otherLanguage')} @click=${() => emit(this, 'ld-language', other)}>
        ${icons.language}<span>${this.t('top.otherLanguageShort')}</span>
      </button>
      <button class="btn" data-nav="settings" @click=${() => emit(this, 'ld-navigate', { screen: 'settings' })}>
        ${icons.settings}<span class="label">${this.t('top.settings')}</span>
      </button>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-top-bar': TopBar;
  }
}
