/**
 * Settings: the kiosk's camera and language for anyone; counting (target, field overlap, idle
 * lock), reference ranges and users once a supervisor has unlocked them with a PIN (held only while
 * this screen is open). The first supervisor comes from the first-boot setup, never from here.
 */
import { ContextConsumer } from '@lit/context';
import { css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { Credentials, SyncStatus, User } from '../api/types.ts';
import { icons, type IconName } from '../components/icons.ts';
import { KioskElement } from '../components/kiosk-element.ts';
import '../components/pin-pad.ts';
import { setupContext } from '../context.ts';
import { emit } from '../events.ts';
import type { MessageKey } from '../i18n/en.ts';
import { LANGS } from '../i18n/i18n.ts';
import { busyWhile } from '../logic/busy-while.ts';
import { baseStyles, CSS_COLOURS as C } from '../theme/styles.ts';
import './camera-setting.ts';
import './counting-setting.ts';
import './microscope-setting.ts';
import './ranges-setting.ts';
import './users-setting.ts';

type Section = 'camera' | 'language' | 'counting' | 'ranges' | 'microscope' | 'users' | 'hub';
const SECTIONS: { id: Section; label: MessageKey; icon: IconName; supervisor: boolean }[] = [
  { id: 'camera', label: 'settings.camera', icon: 'camera', supervisor: false },
  { id: 'language', label: 'settings.language', icon: 'language', supervisor: false },
  { id: 'counting', label: 'settings.counting', icon: 'plus', supervisor: true },
  { id: 'ranges', label: 'settings.ranges', icon: 'list', supervisor: true },
  { id: 'microscope', label: 'settings.microscope', icon: 'camera', supervisor: true },
  { id: 'users', label: 'settings.users', icon: 'lock', supervisor: true },
  { id: 'hub', label: 'settings.hub', icon: 'sync', supervisor: false },
];
const LANGUAGE_NAMES: Record<(typeof LANGS)[number], string> = { en: 'English', fr: 'Français' };

@customElement('ld-settings-screen')
export class SettingsScreen extends KioskElement {
  @state() private users: User[] | null = null;
  @state() private section: Section = 'camera';
  @state() private auth: Credentials | null = null;
  @state() busy = false;
  @state() private sync: SyncStatus | null = null;
  private readonly setup = new ContextConsumer(this, { context: setupContext, subscribe: true });

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        height: 100%;
      }
      nav {
        width: 250px;
        flex: none;
        display: flex;
        flex-direction: column;
        gap: 6px;
      }
      nav .btn {
        justify-content: flex-start;
        text-align: left;
        font-size: 18px;
        padding: 4px 12px;
        min-height: 52px;
      }
      nav .btn[aria-current='page'] {
        background: ${C.primary};
        color: ${C.primaryText};
      }
      .content {
        flex: 1;
        min-width: 0;
      }
      .head {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 12px;
      }
      /* A user form's keyboard needs ten 48 px keys in a row beside the form: on a 1024 px screen, the
         sections make room (Back, or Cancel, brings them back). */
      @media (max-width: 1100px) {
        .screen:has(ld-user-form, ld-users-setting[data-adding]) nav {
          display: none;
        }
      }
      /* Locked: the keypad is a column of its own, the full height, so that Unlock stays on a 600 px screen. */
      .unlock {
        width: 380px;
        flex: none;
      }
      .langs {
        display: flex;
        gap: 12px;
      }
      .langs .btn[aria-pressed='true'] {
        background: ${C.primary};
        color: ${C.primaryText};
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.loadUsers();
    this.api
      .getSync()
      .then((s) => (this.sync = s))
      .catch(() => undefined);
  }

  private get supervisors(): User[] {
    return (this.users ?? []).filter((u) => u.role === 'supervisor' && u.active);
  }

  private async loadUsers() {
    try {
      this.users = await this.api.listUsers();
    } catch (err) {
      this.fail(err);
    }
  }

  private async unlock(cred: Credentials) {
    await busyWhile(this, async () => {
      const user = await this.api.verifyPin(cred.userId, cred.pin);
      if (user.role !== 'supervisor') throw new Error(this.t('error.supervisor_required'));
      this.auth = cred;
    });
  }

  private renderSection(section: Section) {
    const settings = this.setup.value?.settings ?? null;
    switch (section) {
      case 'camera':
        return html`<ld-camera-setting></ld-camera-setting>`;
      case 'language':
        return html`<div class="langs">
          ${LANGS.map(
            (l) => html`<button class="btn outline big" lang=${l} data-lang=${l} aria-pressed=${this.i18n.i18n.lang === l ? 'true' : 'false'} @click=${() => emit(this, 'ld-language', l)}>
              ${LANGUAGE_NAMES[l]}
            </button>`,
          )}
        </div>`;
      case 'counting':
        return html`<ld-counting-setting .settings=${settings} .auth=${this.auth}></ld-counting-setting>`;
      case 'ranges':
        return html`<ld-ranges-setting .settings=${settings} .auth=${this.auth}></ld-ranges-setting>`;
      case 'microscope':
        return html`<ld-microscope-setting .settings=${settings} .auth=${this.auth}></ld-microscope-setting>`;
      case 'users':
        return html`<ld-users-setting .users=${this.users ?? []} .auth=${this.auth} @ld-users-changed=${() => void this.loadUsers()}></ld-users-setting>`;
      case 'hub': {
        const s = this.sync;
        const pending = s ? s.backlog.pending + s.backlog.setAside : 0;
        return html`${s ? html`<p class="notice" data-hub=${s.state}>${this.t(`hub.${s.state}`)}</p>` : ''}
          ${s?.hub ? html`<p>${this.t('hub.address', { url: s.hub })}</p>` : ''}
          <p class="notice ${pending ? 'warning' : ''}">${pending ? this.t('settings.hubBacklog', { n: pending }) : this.t('settings.hubAllSent')}</p>
          <p class="muted">${this.t('settings.hubAddress')}</p>
          <button class="btn outline" @click=${() => emit(this, 'ld-navigate', { screen: 'sync' })}>${icons.sync}${this.t('sync.title')}</button>`;
      }
    }
  }

  private renderContent() {
    if (this.locked) return html`<p class="notice" data-state="locked">${icons.lock} ${this.t('settings.locked')}</p>`;
    return this.renderSection(this.section);
  }

  /** The section needs a supervisor's PIN that nobody gave yet. */
  private get locked(): boolean {
    const meta = SECTIONS.find((s) => s.id === this.section)!;
    return meta.supervisor && !this.auth;
  }

  override render() {
    return html`<div class="screen">
      <nav class="scroll">
        ${SECTIONS.map(
          (s) => html`<button class="btn outline" data-section=${s.id} aria-current=${this.section === s.id ? 'page' : 'false'} @click=${() => (this.section = s.id)}>
            ${icons[s.icon]}${this.t(s.label)}
          </button>`,
        )}
      </nav>
      <div class="column content scroll">
        <div class="head">
          <h1>${this.t(SECTIONS.find((s) => s.id === this.section)!.label)}</h1>
          ${this.auth ? html`<button class="btn outline" data-action="lock" @click=${() => (this.auth = null)}>${icons.lock}${this.t('settings.lock')}</button>` : ''}
        </div>
        ${this.renderContent()}
      </div>
      ${
        this.locked
          ? html`<ld-pin-pad
            class="unlock"
            .users=${this.supervisors}
            .submitLabel=${this.t('settings.unlock')}
            .busy=${this.busy}
            @ld-pin-submit=${(e: CustomEvent<Credentials>) => void this.unlock(e.detail)}
          ></ld-pin-pad>`
          : ''
      }
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-settings-screen': SettingsScreen;
  }
}
