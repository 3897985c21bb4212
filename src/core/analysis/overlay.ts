/** Draws the fused cells on the image: one box per cell coloured by type, labelled with type and confidence. */
import sharp from 'sharp';
import { CELL_TYPES } from '../../contracts/vocabulary.ts';
import type { AnalyzedCell } from './analyze.ts';
import { escapeMarkup as escapeXml } from '../util/escape.ts';

/** Colour per type (same order as CELL_TYPES), distinguishable for the common colour-vision deficiencies. */
export const TYPE_COLOURS = ['#0072B2', '#E69F00', '#CC79A7', '#009E73', '#D55E00'];
const REVIEW_COLOUR = '#FF0000';

export function overlaySvg(width: number, height: number, cells: AnalyzedCell[]): string {
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 240));
  const font = Math.max(12, Math.round(Math.min(width, height) / 32));
  const parts = cells.map((c) => {
    const [x1, y1, x2, y2] = c.box;
    const colour = TYPE_COLOURS[c.type];
    const label = escapeXml(`${CELL_TYPES[c.type]} ${(c.confidence * 100).toFixed(0)}%${c.review ? ' ?' : ''}`);
    const ty = y1 > font + 4 ? y1 - 4 : y2 + font;
    return (
      `<rect x="${x1.toFixed(1)}" y="${y1.toFixed(1)}" width="${(x2 - x1).toFixed(1)}" height="${(y2 - y1).toFixed(1)}" fill="none" stroke="${colour}" stroke-width="${stroke}"` +
      (c.review ? ` stroke-dasharray="${stroke * 3},${stroke * 2}"` : '') +
      `/>` +
      `<text x="${x1.toFixed(1)}" y="${ty.toFixed(1)}" font-family="sans-serif" font-size="${font}" font-weight="bold" fill="${c.review ? REVIEW_COLOUR : colour}" stroke="white" stroke-width="${Math.max(1, stroke / 2)}" paint-order="stroke">${label}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/** Returns a PNG of the image with the cells drawn on it. */
export async function renderOverlay(img: { rgb: Buffer; width: number; height: number }, cells: AnalyzedCell[]): Promise<Buffer> {
  const svg = Buffer.from(overlaySvg(img.width, img.height, cells));
  return sharp(img.rgb, { raw: { width: img.width, height: img.height, channels: 3 } })
    .composite([{ input: svg, top: 0, left: 0 }])
    .png()
    .toBuffer();
}
