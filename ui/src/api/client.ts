/** The workflow API over fetch: one method per route the kiosk uses; refusals become ApiError. */
import type {
  Box,
  Cell,
  CellClass,
  CellsSeen,
  Credentials,
  DeviceHealth,
  EngineHealth,
  Field,
  FieldWithCells,
  FirstBootSetup,
  NewSample,
  SignInPerson,
  Report,
  Role,
  SampleDetail,
  SampleList,
  SampleSummary,
  SessionInfo,
  SetAsideItem,
  SetupResult,
  SetupStatus,
  Settings,
  SyncStatus,
  User,
  UserPatch,
} from './types.ts';

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the daemon could not be reached. */
    readonly status: number,
    /** The API's stable error code (`duplicate_field`, `wrong_pin`...), `offline`, or `http_<status>` when the answer had none. */
    readonly code: string,
    message: string,
    /** The error body's other fields (`sampleId` of a duplicate_reference). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

type Json = Record<string, unknown> | unknown[];

/** What the daemon's error codes look like (`duplicate_field`); anything else is not one of them. */
const API_CODE = /^[a-z][a-z0-9_]*$/;

/**
 * Marks the kiosk's reads as background: the daemon's idle lock counts only changes and the
 * explicit "still here" ping (`getSession({touch: true})`), not the screens' polling.
 */
export const BACKGROUND_HEADER = 'x-leukodiff-background';

export class ApiClient {
  constructor(
    private readonly base = '',
    /** Called when the daemon answers 401 sign_in_required (the session ended: idle, signed out elsewhere). */
    private readonly onSignInRequired: () => void = () => {},
  ) {}

  private async request<T>(method: string, path: string, body?: Json | FormData, opts: { background?: boolean } = {}): Promise<T> {
    const headers: Record<string, string> = {};
    if (opts.background ?? method === 'GET') headers[BACKGROUND_HEADER] = '1';
    const init: RequestInit = { method, headers };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    let res: Response;
    try {
      res = await fetch(this.base + path, init);
    } catch (err) {
      throw new ApiError(0, 'offline', (err as Error).message);
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // A proxy or a crash page: keep the text for the message.
    }
    if (!res.ok) {
      const e = (parsed && typeof parsed === 'object' ? parsed : {}) as { error?: unknown; message?: unknown };
      // Only the daemon's own codes are codes: fastify answers "Service Unavailable" while it stops.
      const code = typeof e.error === 'string' && API_CODE.test(e.error) ? e.error : `http_${res.status}`;
      if (res.status === 401 && code === 'sign_in_required') this.onSignInRequired();
      const message = typeof e.message === 'string' ? e.message : text.slice(0, 200) || res.statusText;
      throw new ApiError(res.status, code, message, e as Record<string, unknown>);
    }
    return parsed as T;
  }

  listSamples(limit = 50): Promise<SampleList> {
    return this.request('GET', `/api/samples?limit=${limit}`);
  }

  findSamples(referencePrefix: string): Promise<SampleList> {
    return this.request('GET', `/api/samples?limit=5&reference=${encodeURIComponent(referencePrefix)}`);
  }

  createSample(sample: NewSample): Promise<SampleSummary> {
    return this.request('POST', '/api/samples', { ...sample });
  }

  getSample(id: string): Promise<SampleDetail> {
    return this.request('GET', `/api/samples/${id}`);
  }

  /** `shortReason`: why a supervisor signs below the target count (printed on the report). */
  signSample(id: string, auth: Credentials, shortReason?: string): Promise<SampleSummary> {
    return this.request('POST', `/api/samples/${id}/sign`, shortReason ? { auth: { ...auth }, shortReason } : { auth: { ...auth } });
  }

  /** A page of cells the nurse saw and accepts. */
  markCellsSeen(sampleId: string, cellIds: string[], reason?: string): Promise<CellsSeen> {
    return this.request('POST', `/api/samples/${sampleId}/cells/seen`, reason ? { cellIds, reason } : { cellIds });
  }

  deleteCell(id: string, reason?: string): Promise<void> {
    return this.request('DELETE', `/api/cells/${id}`, reason ? { reason } : undefined);
  }

  getReport(id: string): Promise<Report> {
    return this.request('GET', `/api/samples/${id}/report`);
  }

  /** The kiosk always asks Retake or Keep on quality warnings (hands-free removes such fields itself): the daemon waits for the answer. */
  uploadField(sampleId: string, image: Blob, fileName: string, reason?: string): Promise<Field> {
    const form = new FormData();
    form.append('capturedAt', new Date().toISOString());
    form.append('askQuality', 'true');
    if (reason) form.append('reason', reason);
    form.append('image', image, fileName);
    return this.request('POST', `/api/samples/${sampleId}/fields`, form);
  }

  getField(id: string): Promise<FieldWithCells> {
    return this.request('GET', `/api/fields/${id}`);
  }

  deleteField(id: string, reason?: string): Promise<void> {
    return this.request('DELETE', `/api/fields/${id}`, reason ? { reason } : undefined);
  }

  /** Keep a field despite its quality warnings: the answer to Retake or Keep, recorded by the daemon. */
  keepField(id: string, reason?: string): Promise<Field> {
    return this.request('POST', `/api/fields/${id}/keep`, reason ? { reason } : undefined);
  }

  retryField(id: string, reason?: string): Promise<Field> {
    return this.request('POST', `/api/fields/${id}/retry`, reason ? { reason } : undefined);
  }

  reclassifyCell(id: string, type: CellClass, reason?: string): Promise<Cell> {
    return this.request('PATCH', `/api/cells/${id}`, reason ? { type, reason } : { type });
  }

  reviewCell(id: string, reason?: string): Promise<Cell> {
    return this.request('POST', `/api/cells/${id}/review`, reason ? { reason } : undefined);
  }

  addCell(fieldId: string, box: Box, type: CellClass, reason?: string): Promise<Cell> {
    return this.request('POST', `/api/fields/${fieldId}/cells`, reason ? { box, type, reason } : { box, type });
  }

  /** Who may sign in: names of the active users (no session needed). */
  listPeople(): Promise<SignInPerson[]> {
    return this.request('GET', '/api/session/people');
  }

  /** Who is signed in; 401 sign_in_required when nobody. `touch`: counts as activity for the idle lock. */
  getSession(opts: { touch?: boolean } = {}): Promise<SessionInfo> {
    return this.request('GET', '/api/session', undefined, { background: !opts.touch });
  }

  signIn(cred: Credentials): Promise<SessionInfo> {
    return this.request('POST', '/api/session', { userId: cred.userId, pin: cred.pin });
  }

  signOut(): Promise<void> {
    return this.request('DELETE', '/api/session');
  }

  getSetup(): Promise<SetupStatus> {
    return this.request('GET', '/api/setup');
  }

  /** First-boot setup: answers the recovery code, shown once. */
  setUp(input: FirstBootSetup): Promise<SetupResult> {
    return this.request('POST', '/api/setup', { language: input.language, supervisor: { ...input.supervisor } });
  }

  listUsers(): Promise<User[]> {
    return this.request('GET', '/api/users');
  }

  createUser(user: { name: string; role: Role; pin: string }, auth?: Credentials): Promise<User> {
    return this.request('POST', '/api/users', auth ? { ...user, auth: { ...auth } } : { ...user });
  }

  updateUser(id: string, change: UserPatch, auth: Credentials): Promise<User> {
    return this.request('PATCH', `/api/users/${id}`, { ...change, auth: { ...auth } });
  }

  verifyPin(userId: string, pin: string): Promise<User> {
    return this.request('POST', `/api/users/${userId}/verify-pin`, { pin });
  }

  getSettings(): Promise<Settings> {
    return this.request('GET', '/api/settings');
  }

  updateSettings(change: Partial<Settings>, auth: Credentials): Promise<Settings> {
    return this.request('PATCH', '/api/settings', { ...change, auth: { ...auth } });
  }

  calibrateMicroscope(sampleId: string, auth: Credentials): Promise<Settings> {
    return this.request('POST', '/api/settings/calibration', { sampleId, auth: { ...auth } });
  }

  clearCalibration(auth: Credentials): Promise<Settings> {
    return this.request('DELETE', '/api/settings/calibration', { auth: { ...auth } });
  }

  getDevice(): Promise<DeviceHealth> {
    return this.request('GET', '/api/device');
  }

  getEngine(): Promise<EngineHealth> {
    return this.request('GET', '/api/health');
  }

  getSync(): Promise<SyncStatus> {
    return this.request('GET', '/api/sync');
  }

  getSetAside(): Promise<SetAsideItem[]> {
    return this.request('GET', '/api/sync/set-aside');
  }

  retrySetAside(outboxId: number): Promise<void> {
    return this.request('POST', `/api/sync/set-aside/${outboxId}/retry`);
  }

  syncNow(): Promise<{ state: string }> {
    return this.request('POST', '/api/sync/run');
  }

  fieldImageUrl(fieldId: string): string {
    return `${this.base}/api/fields/${fieldId}/image`;
  }

  thumbnailUrl(fieldId: string): string {
    return `${this.base}/api/fields/${fieldId}/thumbnail`;
  }

  cropUrl(cellId: string): string {
    return `${this.base}/api/cells/${cellId}/crop`;
  }
}
