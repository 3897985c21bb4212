/**
 * The hub's device API as the box calls it, with every failure sorted into what the sync loop
 * does about it:
 *   unreachable   no answer (link down, timeout, cut connection, TLS failure): back off, probe
 *   server        the hub answered 5xx, 408 or 429: back off
 *   unauthorised  401/403: the token is wrong or revoked; back off, say so
 *   rejected      any other 4xx: this item will not go through as it is; set it aside
 */
import { HubHttp, TransportError, type HttpResponse } from './http.ts';
import type { HubLimits, HubReview, PingAnswer, ReviewOutcomeReport, ReviewOutcomesAnswer, ReviewOutcomesRequest, RevisionAnswer } from '../../contracts/hub-protocol.ts';

export type { HubLimits, HubReview };
export type PingResult = PingAnswer;

export type FailureKind = 'unreachable' | 'server' | 'unauthorised' | 'rejected';

export class HubCallError extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly code: string,
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

export interface MissingImage {
  sha256: string;
  received: number;
  encoding: string | null;
  total: number | null;
}

export type PartResult = { complete: true } | { complete: false; received: number };

export type RevisionResult = RevisionAnswer | { status: 'images_missing'; missing: string[] };

type ErrorBody = { error?: string; message?: string; received?: number; missing?: string[] };

function failure(where: string, res: HttpResponse): HubCallError {
  const body = (res.json ?? {}) as ErrorBody;
  const code = body.error ?? `http_${res.status}`;
  const message = `${where}: hub answered ${res.status}${body.message ? ` (${body.message})` : ''}`;
  if (res.status === 401 || res.status === 403) return new HubCallError('unauthorised', code, message, res.status);
  if (res.status >= 500 || res.status === 408 || res.status === 429) return new HubCallError('server', code, message, res.status);
  return new HubCallError('rejected', code, message, res.status);
}

export class HubApi {
  constructor(readonly http: HubHttp) {}

  private async call(method: string, path: string, body?: { json?: unknown; bytes?: Buffer }): Promise<HttpResponse> {
    try {
      return await this.http.request(method, path, body);
    } catch (err) {
      if (err instanceof TransportError) throw new HubCallError('unreachable', err.kind, err.message);
      throw err;
    }
  }

  private static ok<T>(res: HttpResponse, where: string): T {
    if (res.status >= 200 && res.status < 300 && res.json !== null) return res.json as T;
    if (res.status >= 200 && res.status < 300) throw new HubCallError('server', 'not_json', `${where}: the hub's answer is not JSON`, res.status);
    throw failure(where, res);
  }

  async ping(): Promise<PingResult> {
    return HubApi.ok<PingResult>(await this.call('GET', '/api/v1/ping'), 'ping');
  }

  async missing(hashes: string[]): Promise<MissingImage[]> {
    const res = await this.call('POST', '/api/v1/images/missing', { json: { sha256: hashes } });
    return HubApi.ok<{ missing: MissingImage[] }>(res, 'which images are missing').missing;
  }

  /** One part of an image's encoded stream; a 409 says where the hub's copy ends. */
  async putPart(sha256: string, start: number, total: number, encoding: string, data: Buffer): Promise<PartResult> {
    const res = await this.call('PUT', `/api/v1/images/${sha256}?start=${start}&total=${total}&encoding=${encoding}`, { bytes: data });
    if (res.status === 409 && typeof (res.json as ErrorBody | null)?.received === 'number') return { complete: false, received: (res.json as ErrorBody).received! };
    const out = HubApi.ok<{ complete: boolean; received: number }>(res, `image ${sha256.slice(0, 12)}`);
    return out.complete ? { complete: true } : { complete: false, received: out.received };
  }

  async putRevision(sampleId: string, revision: number, images: string[], payload: unknown): Promise<RevisionResult> {
    const res = await this.call('PUT', `/api/v1/samples/${sampleId}/revisions/${revision}`, { json: { images, payload } });
    const body = res.json as ErrorBody | null;
    if (res.status === 409 && body?.error === 'images_missing' && Array.isArray(body.missing)) return { status: 'images_missing', missing: body.missing };
    return HubApi.ok<{ status: 'created' | 'superseded' | 'duplicate'; latestRevision: number }>(res, `revision ${revision}`);
  }

  async reviews(after: number, limit: number): Promise<{ reviews: HubReview[]; cursor: number }> {
    return HubApi.ok(await this.call('GET', `/api/v1/reviews?after=${after}&limit=${limit}`), 'reviews');
  }

  /** What became of reviews at the box; 'unsupported' when the hub answers 404 (it predates the endpoint). */
  async reportOutcomes(outcomes: ReviewOutcomeReport[]): Promise<ReviewOutcomesAnswer | 'unsupported'> {
    const json: ReviewOutcomesRequest = { outcomes };
    const res = await this.call('POST', '/api/v1/reviews/outcomes', { json });
    if (res.status === 404) return 'unsupported';
    return HubApi.ok<ReviewOutcomesAnswer>(res, 'review outcomes');
  }
}
