import { describe, expect, it } from 'vitest';
import { fieldSource } from '../../../src/eval/datasets/field-source.ts';

describe('fieldSource', () => {
  it('names the source of a field by its size, and any other size by itself', () => {
    expect(fieldSource(640, 480)).toBe('BCCD');
    expect(fieldSource(360, 363)).toBe('PBC');
    expect(fieldSource(366, 369)).toBe('PBC');
    expect(fieldSource(1440, 900)).toBe('Chula');
    expect(fieldSource(800, 600)).toBe('800x600');
  });
});
