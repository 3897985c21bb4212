/**
 * The app shell: makes the services and provides them, keeps the route in the address's hash,
 * shows the top bar, the current screen, the connection banner, messages and the reason dialog.
 * Gates: the first-boot setup on a box without users; "Who is working?" over the current screen
 * whenever nobody is signed in (start, sign-out, the daemon's idle lock), so no work is lost.
 */
import { ContextProvider } from '@lit/context';
import { css, html, LitElement } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { ApiClient, ApiError } from './api/client.ts';
import { EventStream, type ConnectionState } from './api/event-stream.ts';
import type { Settings } from './api/types.ts';
import './components/reason-dialog.ts';
import './components/toast.ts';
import './components/top-bar.ts';
import { apiContext, eventsContext, i18nContext, prefsContext, promptsContext, sessionContext, setupContext, type BoxSetup } from './context.ts';
import { PollingController } from './controllers/polling-controller.ts';
import { describeError } from './i18n/errors.ts';
import { I18n, type Lang } from './i18n/i18n.ts';
import { parseRoute, routeHash, sameRoute, type Route } from './logic/routes.ts';
import './screens/capture-screen.ts';
import './screens/differential-screen.ts';
import './screens/field-screen.ts';
import './screens/health-screen.ts';
import './screens/home-screen.ts';
import './screens/new-sample-screen.ts';
import './screens/report-screen.ts';
import './screens/review-screen.ts';
import './screens/setup-screen.ts';
import './screens/sign-screen.ts';
import './screens/sync-screen.ts';
import './screens/user-screen.ts';
import { KioskPrefs } from './services/prefs.ts';
import { Prompts } from './services/prompts.ts';
import { KioskSession } from './services/session.ts';
import './settings/settings-screen.ts';
import { CSS_COLOURS as C } from './theme/styles.ts';

const NOTICE_MS = 3000;
/** How often a tap tells the daemon someone is still working, and how often the kiosk checks for the idle lock. */
const TOUCH_MS = 30_000;
const SESSION_POLL_MS = 15_000;
/** Long enough to read a refusal and what to do; then it goes, so it never sits over a result. */
const ERROR_MS = 8000;

interface Toast {
  message: string;
  kind: 'error' | 'notice';
}

@customElement('ld-app')
export class App extends LitElement {
  private readonly session = new KioskSession();
  private readonly api = new ApiClient('', () => this.lock('locked'));
  private readonly events = new EventStream();
  private readonly i18n = new I18n('en', localStorage);
  private readonly prefs = new KioskPrefs(localStorage);
  private readonly prompts = new Prompts();
  private readonly setup = new ContextProvider(this, { context: setupContext, initialValue: { settings: null, engine: null } satisfies BoxSetup });

  @state() private route: Route = parseRoute(location.hash);
  @state() private connection: ConnectionState = 'connecting';
  @state() private toast: Toast | null = null;
  /** Before the daemon answered; the first-boot setup; or the kiosk proper. */
  @state() private gate: 'loading' | 'setup' | 'open' = 'loading';
  /** Why "Who is working?" is up (when nobody is signed in). */
  @state() private lockReason: 'start' | 'locked' = 'start';
  /** Who worked before the lock: chosen first on the PIN pad. */
  private lastUserId: string | null = null;
  private lastTouch = 0;
  /** A tap counts as activity for the daemon's idle lock, at most every TOUCH_MS. */
  private readonly onActivity = () => {
    if (!this.session.user || Date.now() - this.lastTouch < TOUCH_MS) return;
    this.lastTouch = Date.now();
    this.api.getSession({ touch: true }).catch(() => undefined);
  };
  private toastTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly onHashChange = () => this.navigate(parseRoute(location.hash));
  private readonly onConnection = () => (this.connection = this.events.state);
  private readonly onLanguage = () => {
    document.documentElement.lang = this.i18n.lang;
    this.requestUpdate();
  };
  private readonly onPrompt = () => this.requestUpdate();
  private readonly onSession = () => this.requestUpdate();
  private readonly onWake = () => {
    if (document.visibilityState === 'visible') void this.checkSession();
  };
  private unsubscribe: (() => void) | null = null;

  constructor() {
    super();
    new ContextProvider(this, { context: apiContext, initialValue: this.api });
    new ContextProvider(this, { context: eventsContext, initialValue: this.events });
    new ContextProvider(this, { context: i18nContext, initialValue: this.i18n });
    new ContextProvider(this, { context: prefsContext, initialValue: this.prefs });
    new ContextProvider(this, { context: promptsContext, initialValue: this.prompts });
    new ContextProvider(this, { context: sessionContext, initialValue: this.session });
    new PollingController(this, () => this.checkSession(), { everyMs: SESSION_POLL_MS });
    this.addEventListener('ld-navigate', (e) => this.navigate(e.detail));
    this.addEventListener('ld-error', (e) => {
      // The lock screen says it: no message over it.
      if (e.detail instanceof ApiError && e.detail.code === 'sign_in_required') return;
      this.show({ message: describeError(this.i18n, e.detail), kind: 'error' });
    });
    this.addEventListener('ld-notice', (e) => this.show({ message: this.i18n.t(e.detail.key, e.detail.vars), kind: 'notice' }));
    this.addEventListener('ld-dismiss', () => this.show(null));
    this.addEventListener('ld-language', (e) => this.i18n.setLang(e.detail as Lang));
    this.addEventListener('ld-settings', (e) => this.setup.setValue({ ...this.setup.value, settings: e.detail as Settings }));
    this.addEventListener('ld-reason', (e) => this.prompts.pending?.resolve(e.detail));
    this.addEventListener('ld-signed-in', (e) => {
      this.session.set(e.detail);
      this.lastTouch = Date.now();
    });
    this.addEventListener('ld-sign-out', () => {
      this.api.signOut().catch(() => undefined);
      this.lock('start');
    });
    this.addEventListener('ld-setup-done', () => {
      this.gate = 'open';
      this.lock('start');
      void this.loadSetup();
    });
  }

  static override styles = css`
    :host {
      display: flex;
      flex-direction: column;
      height: 100vh;
      height: 100dvh;
      background: ${C.page};
    }
    main {
      flex: 1;
      min-height: 0;
      overflow: hidden;
    }
    main > * {
      height: 100%;
    }
    .lock {
      position: fixed;
      inset: 0;
      z-index: 20;
    }
    .banner {
      background: ${C.warningBg};
      color: ${C.warningText};
      font: 600 20px system-ui, 'DejaVu Sans', sans-serif;
      padding: 8px 16px;
      text-align: center;
    }
    @media print {
      :host {
        display: block;
        height: auto;
        background: #fff;
      }
      main {
        overflow: visible;
      }
      .banner {
        display: none;
      }
    }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    document.documentElement.lang = this.i18n.lang;
    window.addEventListener('hashchange', this.onHashChange);
    this.events.addEventListener('statechange', this.onConnection);
    this.i18n.addEventListener('change', this.onLanguage);
    this.prompts.addEventListener('change', this.onPrompt);
    this.session.addEventListener('change', this.onSession);
    this.unsubscribe = this.events.subscribe({ onResync: () => void this.loadSetup() });
    this.events.start();
    window.addEventListener('pointerdown', this.onActivity, { capture: true });
    document.addEventListener('visibilitychange', this.onWake);
    void this.openGate();
    void this.loadSetup();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHashChange);
    this.events.removeEventListener('statechange', this.onConnection);
    this.i18n.removeEventListener('change', this.onLanguage);
    this.prompts.removeEventListener('change', this.onPrompt);
    this.session.removeEventListener('change', this.onSession);
    this.unsubscribe?.();
    this.events.stop();
    window.removeEventListener('pointerdown', this.onActivity, { capture: true });
    document.removeEventListener('visibilitychange', this.onWake);
  }

  /** Setup on a new box; otherwise the kiosk, locked until someone signs in. */
  private async openGate() {
    try {
      const setup = await this.api.getSetup();
      if (setup.needed) {
        this.gate = 'setup';
        return;
      }
      this.gate = 'open';
      this.session.set(setup.session);
    } catch {
      // The daemon is not up yet: "Who is working?" until it is.
      if (this.gate === 'loading') {
        this.gate = 'open';
        setTimeout(() => void this.openGate(), 2000);
      }
    }
  }

  /**
   * Notices the daemon's idle lock even when nobody taps: every SESSION_POLL_MS and when the screen
   * wakes. Asks GET /api/setup (which answers session: null) rather than GET /api/session, so the
   * expected "nobody" is no HTTP error.
   */
  private async checkSession() {
    if (this.gate !== 'open' || !this.session.user) return;
    try {
      if (!(await this.api.getSetup()).session) this.lock('locked');
    } catch {
      // Offline: the banner says it; the next check tries again.
    }
  }

  private lock(reason: 'start' | 'locked') {
    if (!this.session.user) return;
    this.lastUserId = this.session.user.id;
    this.lockReason = reason;
    this.session.set(null);
  }

  private async loadSetup() {
    try {
      const [settings, engine] = await Promise.all([this.api.getSettings(), this.api.getEngine()]);
      this.setup.setValue({ settings, engine });
    } catch {
      // Retried on the next reconnection; screens work without it (target 100, one detector).
    }
  }

  private navigate(route: Route) {
    const hash = routeHash(route);
    if (location.hash !== hash) location.hash = hash;
    // A message belongs to the screen it was about: it never stays over the next one's results.
    if (!sameRoute(route, this.route)) this.show(null);
    this.route = route;
  }

  private show(toast: Toast | null) {
    clearTimeout(this.toastTimer);
    this.toast = toast;
    if (toast) this.toastTimer = setTimeout(() => (this.toast = null), toast.kind === 'notice' ? NOTICE_MS : ERROR_MS);
  }

  private renderScreen(r: Route) {
    switch (r.screen) {
      case 'home':
        return html`<ld-home-screen></ld-home-screen>`;
      case 'new':
        return html`<ld-new-sample-screen .initialReference=${r.reference ?? ''}></ld-new-sample-screen>`;
      case 'capture':
        return html`<ld-capture-screen .sampleId=${r.sampleId}></ld-capture-screen>`;
      case 'field':
        return html`<ld-field-screen .sampleId=${r.sampleId} .fieldId=${r.fieldId} .cellId=${r.cellId ?? null}></ld-field-screen>`;
      case 'differential':
        return html`<ld-differential-screen .sampleId=${r.sampleId}></ld-differential-screen>`;
      case 'review':
        return html`<ld-review-screen .sampleId=${r.sampleId}></ld-review-screen>`;
      case 'sign':
        return html`<ld-sign-screen .sampleId=${r.sampleId}></ld-sign-screen>`;
      case 'report':
        return html`<ld-report-screen .sampleId=${r.sampleId}></ld-report-screen>`;
      case 'settings':
        return html`<ld-settings-screen></ld-settings-screen>`;
      case 'health':
        return html`<ld-health-screen></ld-health-screen>`;
      case 'sync':
        return html`<ld-sync-screen></ld-sync-screen>`;
      case 'user':
        return html`<ld-user-screen></ld-user-screen>`;
    }
  }

  override render() {
    const lost = this.connection !== 'open' && this.events.everOpened;
    const pending = this.prompts.pending;
    if (this.gate === 'setup') {
      return html`<main data-screen="setup"><ld-setup-screen></ld-setup-screen></main>
        ${this.toast ? html`<ld-toast .message=${this.toast.message} .kind=${this.toast.kind}></ld-toast>` : ''}`;
    }
    const locked = this.gate === 'open' && !this.session.user;
    return html`<ld-top-bar .route=${this.route} ?inert=${locked}></ld-top-bar>
      ${lost ? html`<div class="banner" role="status" data-connection="lost">${this.i18n.t('conn.lost')}</div>` : ''}
      <main data-screen=${this.route.screen} ?inert=${locked} aria-hidden=${locked ? 'true' : 'false'}>${this.gate === 'open' ? this.renderScreen(this.route) : ''}</main>
      ${locked ? html`<ld-user-screen class="lock" .reason=${this.lockReason} .lastUserId=${this.lastUserId}></ld-user-screen>` : ''}
      ${this.toast ? html`<ld-toast .message=${this.toast.message} .kind=${this.toast.kind}></ld-toast>` : ''}
      ${pending ? html`<ld-reason-dialog .suggested=${pending.suggested}></ld-reason-dialog>` : ''}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ld-app': App;
  }
}
