import { describe, expect, it } from 'vitest';
import { ApiError } from '../../ui/src/api/client.ts';
import type { Field } from '../../ui/src/api/types.ts';
import { fieldFailureKey } from '../../ui/src/logic/field-failure.ts';
import { normaliseReference, sameReference } from '../../ui/src/logic/samples.ts';
import { keptField, sha256Hex, uploadFateUnknown } from '../../ui/src/logic/upload-recovery.ts';

const field = (id: string, sha256: string) => ({ id, image: { sha256 } }) as Field;

describe('an upload whose answer was lost', () => {
  it('is unknown when the box did not answer or failed, known when it refused', () => {
    expect(uploadFateUnknown(new ApiError(0, 'offline', 'Failed to fetch'))).toBe(true);
    expect(uploadFateUnknown(new ApiError(503, 'http_503', 'Service Unavailable'))).toBe(true);
    expect(uploadFateUnknown(new ApiError(502, 'http_502', 'Bad Gateway'))).toBe(true);
    expect(uploadFateUnknown(new ApiError(500, 'internal_error', 'internal error'))).toBe(true);
    // A full queue or a duplicate is the daemon's answer: nothing was kept.
    expect(uploadFateUnknown(new ApiError(503, 'queue_full', 'full'))).toBe(false);
    expect(uploadFateUnknown(new ApiError(409, 'duplicate_field', 'again'))).toBe(false);
  });

  it('finds the field the daemon kept: the new one with the photo’s hash', () => {
    const known = new Set(['a']);
    const fields = [field('a', '11'), field('b', '22'), field('c', '33')];
    expect(keptField({ known, sha256: '33' }, fields)?.id).toBe('c');
    expect(keptField({ known, sha256: '44' }, fields)).toBeNull();
    // Without a hash (no crypto.subtle), the newest field that came since.
    expect(keptField({ known, sha256: null }, fields)?.id).toBe('c');
    expect(keptField({ known: new Set(['a', 'b', 'c']), sha256: null }, fields)).toBeNull();
  });

  it('hashes the photo as the daemon does (SHA-256, hex)', async () => {
    expect(await sha256Hex(new Blob(['abc']))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('sample numbers', () => {
  it('are the same slide whatever the case and the spacing', () => {
    expect(normaliseReference('  S-1001\t')).toBe('S-1001');
    expect(sameReference('S-1001', ' s-1001 ')).toBe(true);
    expect(sameReference('A  B', 'a b')).toBe(true);
    expect(sameReference('S-1001', 'S-10010')).toBe(false);
  });
});

describe('a failed analysis', () => {
  it('is told in the catalogue, whatever English the daemon wrote', () => {
    expect(fieldFailureKey('analysis was interrupted 3 times (the daemon stopped during it): retry the field or photograph it again')).toBe('failure.interrupted');
    expect(fieldFailureKey('analysis failed: onnxruntime error 6')).toBe('failure.other');
    expect(fieldFailureKey(null)).toBe('failure.other');
  });
});
