/** The workflow API over fetch: one method per route the kiosk uses; refusals become ApiError. */
import type {
  Box,
  Cell,
  CellClass,
  Credentials,
  DeviceHealth,
  EngineHealth,
  Field,
  NewSample,
  Report,
  Role,
  SampleDetail,
  SampleList,
  SampleSummary,
  SetAsideItem,
  Settings,
  SyncStatus,
  User,
} from './types.ts';

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the daemon could not be reached. */
    readonly status: number,
    /** The API's stable error code (`duplicate_field`, `wrong_pin`...), or `offline`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface UserChange {
  name?: string;
  role?: Role;
  active?: boolean;
  pin?: string;
}

type Json = Record<string, unknown> | unknown[];

/** The header naming the kiosk's current user on changes (audit attribution). */
export const USER_HEADER = 'x-leukodiff-user';

export class ApiClient {
  constructor(
    private readonly base = '',
    /** The user working at the kiosk, named on every change; none: changes are attributed to nobody. */
    private readonly actor: () => string | null = () => null,
  ) {}

  private async request<T>(method: string, path: string, body?: Json | FormData): Promise<T> {
    const headers: Record<string, string> = {};
    const actor = method === 'GET' ? null : this.actor();
    if (actor) headers[USER_HEADER] = actor;
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
      const e = parsed as { error?: string; message?: string } | undefined;
      throw new ApiError(res.status, e?.error ?? `http_${res.status}`, e?.message ?? (text.slice(0, 200) || res.statusText));
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
  markCellsSeen(sampleId: string, cellIds: string[], reason?: string): Promise<{ seen: number }> {
    return this.request('POST', `/api/samples/${sampleId}/cells/seen`, reason ? { cellIds, reason } : { cellIds });
  }

  deleteCell(id: string, reason?: string): Promise<void> {
    return this.request('DELETE', `/api/cells/${id}`, reason ? { reason } : undefined);
  }

  getReport(id: string): Promise<Report> {
    return this.request('GET', `/api/samples/${id}/report`);
  }

  uploadField(sampleId: string, image: Blob, fileName: string, reason?: string): Promise<Field> {
    const form = new FormData();
    form.append('capturedAt', new Date().toISOString());
    if (reason) form.append('reason', reason);
    form.append('image', image, fileName);
    return this.request('POST', `/api/samples/${sampleId}/fields`, form);
  }

  getField(id: string): Promise<Field> {
    return this.request('GET', `/api/fields/${id}`);
  }

  deleteField(id: string, reason?: string): Promise<void> {
    return this.request('DELETE', `/api/fields/${id}`, reason ? { reason } : undefined);
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

  listUsers(): Promise<User[]> {
    return this.request('GET', '/api/users');
  }

  createUser(user: { name: string; role: Role; pin: string }, auth?: Credentials): Promise<User> {
    return this.request('POST', '/api/users', auth ? { ...user, auth: { ...auth } } : { ...user });
  }

  updateUser(id: string, change: UserChange, auth: Credentials): Promise<User> {
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
