/** Icons drawn here (24x24, stroked in the text colour): nothing is fetched from outside. */
import { svg, type SVGTemplateResult } from 'lit';

const icon = (body: SVGTemplateResult) =>
  svg`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${body}</svg>`;

export const icons = {
  back: icon(svg`<path d="M15 5l-7 7 7 7"/>`),
  next: icon(svg`<path d="M9 5l7 7-7 7"/>`),
  home: icon(svg`<path d="M3 11l9-7 9 7"/><path d="M5 10v10h5v-6h4v6h5V10"/>`),
  plus: icon(svg`<path d="M12 5v14M5 12h14"/>`),
  minus: icon(svg`<path d="M5 12h14"/>`),
  camera: icon(svg`<path d="M4 8h3l2-3h6l2 3h3v11H4z"/><circle cx="12" cy="13" r="3.5"/>`),
  import: icon(svg`<path d="M12 4v11M7 10l5 5 5-5"/><path d="M4 17v3h16v-3"/>`),
  settings: icon(svg`<circle cx="12" cy="12" r="3"/><path d="M12 2v3M12 19v3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M2 12h3M19 12h3M4.9 19.1L7 17M17 7l2.1-2.1"/>`),
  language: icon(svg`<circle cx="12" cy="12" r="9"/><path d="M3 12h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18"/>`),
  sync: icon(svg`<path d="M7 18a5 5 0 0 1-.5-10A6 6 0 0 1 18 9a4.5 4.5 0 0 1-.5 9"/><path d="M12 12v7M9.5 14.5L12 12l2.5 2.5"/>`),
  device: icon(svg`<rect x="4" y="5" width="16" height="11" rx="1.5"/><path d="M9 20h6M12 16v4"/>`),
  warning: icon(svg`<path d="M12 3l10 18H2z"/><path d="M12 10v5M12 18v.5"/>`),
  check: icon(svg`<path d="M4 12.5l5 5L20 6.5"/>`),
  close: icon(svg`<path d="M6 6l12 12M18 6L6 18"/>`),
  fit: icon(svg`<path d="M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5"/>`),
  print: icon(svg`<path d="M7 8V3h10v5"/><rect x="3" y="8" width="18" height="8" rx="1.5"/><path d="M7 13h10v8H7z"/>`),
  lock: icon(svg`<rect x="5" y="11" width="14" height="10" rx="1.5"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/>`),
  backspace: icon(svg`<path d="M9 5h11v14H9l-6-7z"/><path d="M12 9l5 6M17 9l-5 6"/>`),
  list: icon(svg`<path d="M8 6h12M8 12h12M8 18h12M4 6h.5M4 12h.5M4 18h.5"/>`),
  sign: icon(svg`<path d="M3 17c3-1 4-6 6-6s0 6 3 6 3-4 5-4 2 2 4 2"/><path d="M3 21h18"/>`),
  report: icon(svg`<path d="M6 3h9l4 4v14H6z"/><path d="M14 3v5h5M9 12h7M9 16h7"/>`),
  user: icon(svg`<circle cx="12" cy="8" r="4"/><path d="M4 21c1-4.5 4.5-6.5 8-6.5s7 2 8 6.5"/>`),
  thermometer: icon(svg`<path d="M10 14V5a2 2 0 0 1 4 0v9a4 4 0 1 1-4 0z"/>`),
} satisfies Record<string, SVGTemplateResult>;

export type IconName = keyof typeof icons;
