import { describe, expect, it } from 'vitest';
import { ScanBuffer } from '../../ui/src/logic/scanner.ts';

function type(buffer: ScanBuffer, text: string, start: number, gapMs: number): (string | null)[] {
  return [...text].map((c, i) => buffer.push(c === '\n' ? 'Enter' : c, start + i * gapMs));
}

describe('barcode scanner detection', () => {
  it('returns the code a scanner types quickly, on its Enter', () => {
    const b = new ScanBuffer();
    const out = type(b, 'S-2002\n', 1000, 5);
    expect(out.slice(0, -1).every((x) => x === null)).toBe(true);
    expect(out.at(-1)).toBe('S-2002');
  });

  it('ignores a person typing slowly', () => {
    expect(type(new ScanBuffer(), 'S-2002\n', 0, 300).at(-1)).toBeNull();
  });

  it('starts over after a pause, so stray keys do not prefix the next code', () => {
    const b = new ScanBuffer();
    b.push('x', 0);
    expect(type(b, 'ABC123\n', 5000, 4).at(-1)).toBe('ABC123');
  });

  it('needs a few characters, and resets on other keys', () => {
    const b = new ScanBuffer();
    expect(type(b, 'AB\n', 0, 5).at(-1)).toBeNull();
    type(b, 'ABC', 100, 5);
    b.push('Shift', 116);
    expect(b.push('Enter', 120)).toBeNull();
  });
});
