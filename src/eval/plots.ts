/** The study's figures as SVG (rendered to PNG with sharp): PR curves (Fig. 4) and the type confusion matrix (Fig. 6). */
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { escapeMarkup as esc } from '../core/util/escape.ts';

export const SERIES_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#000000', '#F0E442'];

export interface Series {
  name: string;
  recall: number[];
  precision: number[];
}

/** One chart: precision against recall for several series, with axes, grid and legend. */
export function prChartSvg(title: string, series: Series[]): string {
  const W = 640;
  const H = 480;
  const m = { l: 60, r: 190, t: 40, b: 50 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const x = (r: number) => m.l + r * pw;
  const y = (p: number) => m.t + (1 - p) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - m.r / 2}" y="24" font-size="16" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
  ];
  for (let i = 0; i <= 10; i++) {
    const v = i / 10;
    out.push(`<line x1="${x(v)}" y1="${m.t}" x2="${x(v)}" y2="${m.t + ph}" stroke="#ddd"/>`);
    out.push(`<line x1="${m.l}" y1="${y(v)}" x2="${m.l + pw}" y2="${y(v)}" stroke="#ddd"/>`);
    if (i % 2 === 0) {
      out.push(`<text x="${x(v)}" y="${m.t + ph + 18}" font-size="12" text-anchor="middle">${v.toFixed(1)}</text>`);
      out.push(`<text x="${m.l - 8}" y="${y(v) + 4}" font-size="12" text-anchor="end">${v.toFixed(1)}</text>`);
    }
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.l + pw / 2}" y="${H - 10}" font-size="13" text-anchor="middle">recall</text>`);
  out.push(`<text x="16" y="${m.t + ph / 2}" font-size="13" text-anchor="middle" transform="rotate(-90 16 ${m.t + ph / 2})">precision</text>`);
  series.forEach((s, i) => {
    const colour = SERIES_COLOURS[i % SERIES_COLOURS.length];
    const pts = s.recall.map((r, j) => [r, s.precision[j]]).filter(([, p]) => p >= 0);
    if (pts.length) {
      const d = pts.map(([r, p], j) => `${j ? 'L' : 'M'}${x(r).toFixed(1)},${y(p).toFixed(1)}`).join('');
      out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="${i === series.length - 1 ? 3 : 2}"/>`);
    }
    const ly = m.t + 10 + i * 22;
    out.push(`<line x1="${W - m.r + 15}" y1="${ly}" x2="${W - m.r + 40}" y2="${ly}" stroke="${colour}" stroke-width="3"/>`);
    out.push(`<text x="${W - m.r + 46}" y="${ly + 4}" font-size="12">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}

/** Heat map of a confusion matrix with counts in the cells and row-normalised shading. */
export function confusionSvg(title: string, rowLabels: string[], colLabels: string[], matrix: number[][]): string {
  const cell = 84;
  const m = { l: 120, t: 90, r: 20, b: 60 };
  const W = m.l + cell * colLabels.length + m.r;
  const H = m.t + cell * rowLabels.length + m.b;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="24" font-size="16" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
    `<text x="${m.l + (cell * colLabels.length) / 2}" y="46" font-size="13" text-anchor="middle">predicted</text>`,
    `<text x="18" y="${m.t + (cell * rowLabels.length) / 2}" font-size="13" text-anchor="middle" transform="rotate(-90 18 ${m.t + (cell * rowLabels.length) / 2})">true</text>`,
  ];
  colLabels.forEach((c, j) => out.push(`<text x="${m.l + j * cell + cell / 2}" y="${m.t - 8}" font-size="12" text-anchor="middle">${esc(c)}</text>`));
  matrix.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    out.push(`<text x="${m.l - 8}" y="${m.t + i * cell + cell / 2 + 4}" font-size="12" text-anchor="end">${esc(rowLabels[i])}</text>`);
    row.forEach((v, j) => {
      const share = v / total;
      const shade = Math.round(255 - share * 200);
      out.push(`<rect x="${m.l + j * cell}" y="${m.t + i * cell}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade},255)" stroke="#888"/>`);
      out.push(`<text x="${m.l + j * cell + cell / 2}" y="${m.t + i * cell + cell / 2 + 5}" font-size="14" text-anchor="middle" fill="${share > 0.6 ? 'white' : 'black'}">${v}</text>`);
    });
  });
  out.push('</svg>');
  return out.join('');
}

/** Writes `<base>.svg` and `<base>.png`. */
export async function writeFigure(base: string, svg: string): Promise<string[]> {
  await writeFile(`${base}.svg`, svg);
  await sharp(Buffer.from(svg)).png().toFile(`${base}.png`);
  return [`${base}.svg`, `${base}.png`];
}
