import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError } from '../../ui/src/api/client.ts';
import { en } from '../../ui/src/i18n/en.ts';
import { describeError, KioskError } from '../../ui/src/i18n/errors.ts';
import { I18n } from '../../ui/src/i18n/i18n.ts';
import { ROOT } from '../helpers/paths.ts';

const memory = () => {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
};
const inLanguage = (lang: 'en' | 'fr') => {
  const i18n = new I18n('en', memory());
  i18n.setLang(lang);
  return i18n;
};

/** What the API refusal looks like once through the client, for a given answer. */
async function refusal(status: number, body: string): Promise<ApiError> {
  vi.stubGlobal('fetch', async () => new Response(body, { status, headers: { 'content-type': 'application/json' } }));
  return new ApiClient('').getSample('x').then(
    () => expect.fail('no refusal'),
    (err: ApiError) => err,
  );
}

/** Every error code the daemon's kiosk routes can answer, read from the sources. */
function daemonCodes(): Set<string> {
  const codes = new Set<string>();
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? walk(path.join(dir, f)) : [path.join(dir, f)]));
  for (const file of [...walk(path.join(ROOT, 'src', 'box', 'workflow')), ...walk(path.join(ROOT, 'src', 'box', 'server')), path.join(ROOT, 'src', 'core', 'analysis', 'image-input.ts')]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:conflict|badRequest|new WorkflowError|new InputError|super|new \w+Error)\(\s*'([a-z][a-z_]+)'/g)) codes.add(m[1]!);
  }
  return codes;
}

/** Codes a nurse cannot meet on the kiosk: the analyze route's own and the command line's. */
const NOT_ON_THE_KIOSK = new Set(['bad_ensemble', 'bad_scale', 'unreadable_path']);

describe('messages in the nurse language', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('tells a stopping daemon ("Service Unavailable") in words of the catalogue, in both languages', async () => {
    const err = await refusal(503, JSON.stringify({ statusCode: 503, error: 'Service Unavailable', message: 'Service Unavailable' }));
    expect(err.code).toBe('http_503');
    expect(describeError(inLanguage('en'), err)).toBe(en['error.unavailable']);
    const fr = describeError(inLanguage('fr'), err);
    expect(fr).toMatch(/redémarre/);
    expect(fr).not.toMatch(/Service|Unavailable/);
  });

  it('tells a crash page or a proxy error without its text', async () => {
    const err = await refusal(500, '<html>Internal Server Error</html>');
    expect(err.code).toBe('http_500');
    expect(describeError(inLanguage('fr'), err)).not.toMatch(/Internal|html/);
    expect(describeError(inLanguage('en'), await refusal(502, 'Bad Gateway'))).toBe(en['error.unavailable']);
  });

  it('keeps the daemon codes and the details of a refusal', async () => {
    const err = await refusal(409, JSON.stringify({ error: 'duplicate_reference', message: 'sample number S-1 already exists', sampleId: 'abc' }));
    expect(err).toMatchObject({ status: 409, code: 'duplicate_reference', details: { sampleId: 'abc' } });
    expect(describeError(inLanguage('fr'), err)).toBe('Un échantillon porte déjà ce numéro : il est ouvert.');
  });

  it('says a fetch that never reached the box, and the camera failures, in the catalogue', () => {
    expect(describeError(inLanguage('fr'), new TypeError('Failed to fetch'))).toMatch(/ne répond pas/);
    expect(describeError(inLanguage('fr'), new KioskError('error.camera_stopped'))).toMatch(/caméra/);
  });

  it('has a message for every error code the daemon answers the kiosk with', () => {
    const codes = daemonCodes();
    expect(codes.size).toBeGreaterThan(30);
    const missing = [...codes].filter((c) => !NOT_ON_THE_KIOSK.has(c) && !(`error.${c}` in en));
    expect(missing).toEqual([]);
  });
});
