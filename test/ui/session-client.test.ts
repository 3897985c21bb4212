import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient, BACKGROUND_HEADER } from '../../ui/src/api/client.ts';
import type { SessionInfo } from '../../ui/src/api/types.ts';
import { KioskSession } from '../../ui/src/services/session.ts';

/** Stubs fetch with one answer; returns the requests made. */
function answer(status: number, body: unknown): { method: string; url: string; headers: Record<string, string> }[] {
  const seen: { method: string; url: string; headers: Record<string, string> }[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    seen.push({ method: init.method ?? 'GET', url, headers: { ...(init.headers as Record<string, string>) } });
    return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  });
  return seen;
}

const info = (id: string): SessionInfo => ({ user: { id, name: id, role: 'nurse' }, expiresAt: '', idleLockMinutes: 10, pinChangeRequired: false });

describe('the kiosk client and sessions', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('marks reads as background polling (no idle refresh); changes and the explicit ping count as activity; no user header', async () => {
    const seen = answer(200, {});
    const api = new ApiClient('');
    await api.listSamples();
    await api.createSample({ id: '00000000-0000-4000-8000-000000000001', reference: 'S-1' });
    await api.getSession({ touch: true });
    await api.getSession();
    expect(seen.map((r) => [r.method, r.url, r.headers[BACKGROUND_HEADER] ?? null])).toEqual([
      ['GET', '/api/samples?limit=50', '1'],
      ['POST', '/api/samples', null],
      ['GET', '/api/session', null],
      ['GET', '/api/session', '1'],
    ]);
    expect(seen.some((r) => Object.keys(r.headers).some((h) => h.toLowerCase() === 'x-leukodiff-user'))).toBe(false);
  });

  it('calls back on 401 sign_in_required (the lock screen comes), not on other refusals', async () => {
    const onLock = vi.fn();
    const api = new ApiClient('', onLock);
    answer(403, { error: 'wrong_pin', message: 'wrong' });
    await expect(api.signIn({ userId: 'u', pin: '1234' })).rejects.toMatchObject({ code: 'wrong_pin' });
    expect(onLock).not.toHaveBeenCalled();
    answer(401, { error: 'sign_in_required', message: 'sign in first' });
    await expect(api.createSample({ id: '00000000-0000-4000-8000-000000000002', reference: 'S-2' })).rejects.toMatchObject({ status: 401, code: 'sign_in_required' });
    expect(onLock).toHaveBeenCalledTimes(1);
  });

  it('tells who is signed in, and signals each change of person', () => {
    const session = new KioskSession();
    const changes = vi.fn();
    session.addEventListener('change', changes);
    expect(session.user).toBeNull();
    session.set(info('ana'));
    session.set(info('ana'));
    expect(changes).toHaveBeenCalledTimes(1);
    session.set(info('ben'));
    session.set(null);
    expect(changes).toHaveBeenCalledTimes(3);
    expect(session.user).toBeNull();
  });
});
