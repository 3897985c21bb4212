/** The modal look shared by the dialogs: a dimmed screen and a centred card. */
import { css } from 'lit';
import { CSS_COLOURS as C } from '../theme/styles.ts';

export const dialogStyles = css`
  .backdrop {
    position: fixed;
    inset: 0;
    background: rgb(17 24 39 / 0.6);
    display: flex;
    align-items: center;
    justify-content: center;
    z-index: 40;
    padding: 16px;
  }
  .dialog {
    background: ${C.surface};
    border-radius: 18px;
    padding: 24px;
    width: min(720px, 100%);
    max-height: 100%;
    overflow-y: auto;
    display: flex;
    flex-direction: column;
    gap: 16px;
    box-shadow: 0 12px 40px rgb(0 0 0 / 0.4);
  }
  .actions {
    display: flex;
    gap: 12px;
    justify-content: flex-end;
    flex-wrap: wrap;
  }
`;
