/** WCAG 2 contrast of the palette's text pairs: AA needs 4.5:1 for normal text. */
import { describe, expect, it } from 'vitest';
import { TEXT_PAIRS, TYPE_COLOURS } from '../../ui/src/theme/colours.ts';

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('colours', () => {
  it('knows the reference values', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 1);
  });

  it.each(TEXT_PAIRS)('%s on %s (%s) reaches AA', (fg, bg) => {
    expect(contrast(fg, bg)).toBeGreaterThanOrEqual(4.5);
  });

  it('gives the five types distinct colours that stand out from the white halo (3:1 for graphics)', () => {
    const colours = Object.values(TYPE_COLOURS);
    expect(new Set(colours).size).toBe(colours.length);
    for (const c of colours) expect(contrast(c, '#ffffff')).toBeGreaterThanOrEqual(3);
  });
});
