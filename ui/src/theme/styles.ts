/** Shared styles: big glove-sized buttons, readable type, visible focus, nothing hover-only. */
import { css, unsafeCSS, type CSSResult } from 'lit';
import { COLOURS, TYPE_TEXT } from './colours.ts';

const c = (v: string) => unsafeCSS(v);
const C = COLOURS;

/** Text on a type colour, as a value `css` accepts. */
export const CSS_TYPE_TEXT = unsafeCSS(TYPE_TEXT);

/** The palette as values `css` accepts. */
export const CSS_COLOURS = Object.fromEntries(Object.entries(COLOURS).map(([k, v]) => [k, unsafeCSS(v)])) as Record<keyof typeof COLOURS, CSSResult>;

export const baseStyles = css`
  :host {
    box-sizing: border-box;
    font-family: system-ui, 'DejaVu Sans', 'Noto Sans', 'Liberation Sans', sans-serif;
    color: ${c(C.text)};
    font-size: 20px;
    line-height: 1.35;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  h1,
  h2,
  h3 {
    margin: 0;
    line-height: 1.2;
  }
  h1 {
    font-size: 28px;
  }
  h2 {
    font-size: 24px;
  }
  h3 {
    font-size: 20px;
  }
  p {
    margin: 0;
  }
  button {
    font: inherit;
    color: inherit;
  }
  .btn {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 10px;
    min-height: 56px;
    min-width: 56px;
    padding: 8px 20px;
    border: 2px solid transparent;
    border-radius: 12px;
    background: ${c(C.secondary)};
    color: ${c(C.secondaryText)};
    font-weight: 600;
    font-size: 20px;
    cursor: pointer;
    touch-action: manipulation;
    user-select: none;
    -webkit-user-select: none;
    text-align: center;
  }
  .btn:active {
    transform: translateY(1px);
    filter: brightness(0.92);
  }
  .btn:focus-visible,
  input:focus-visible {
    outline: 4px solid ${c(C.focus)};
    outline-offset: 2px;
  }
  .btn[disabled] {
    opacity: 0.45;
    cursor: default;
  }
  .btn.primary {
    background: ${c(C.primary)};
    color: ${c(C.primaryText)};
  }
  .btn.danger {
    background: ${c(C.danger)};
    color: ${c(C.dangerText)};
  }
  .btn.outline {
    background: ${c(C.surface)};
    border-color: ${c(C.line)};
  }
  .btn.big {
    min-height: 72px;
    font-size: 24px;
    padding: 12px 28px;
  }
  svg {
    width: 26px;
    height: 26px;
    flex: none;
    vertical-align: middle;
  }
  .btn svg {
    width: 28px;
    height: 28px;
  }
  .muted {
    color: ${c(C.muted)};
  }
  .card {
    background: ${c(C.surface)};
    border-radius: 14px;
    padding: 16px;
  }
  .notice {
    border-radius: 12px;
    padding: 12px 16px;
    background: ${c(C.infoBg)};
    color: ${c(C.infoText)};
  }
  .notice.warning {
    background: ${c(C.warningBg)};
    color: ${c(C.warningText)};
  }
  .notice.error {
    background: ${c(C.danger)};
    color: ${c(C.dangerText)};
  }
  .screen {
    height: 100%;
    display: flex;
    gap: 16px;
    padding: 16px;
    overflow: hidden;
  }
  .column {
    display: flex;
    flex-direction: column;
    gap: 12px;
    min-height: 0;
  }
  .scroll {
    overflow-y: auto;
    overscroll-behavior: contain;
    -webkit-overflow-scrolling: touch;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;
