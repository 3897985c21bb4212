import type { Page } from 'playwright-core';

/** Key gap of a USB barcode scanner; the UI tells a scanner from a person by gaps under 100 ms. */
const SCANNER_GAP_S = 0.01;

/**
 * Types `code` and Enter as a barcode scanner does: trusted key events whose timestamps are 10 ms
 * apart however long the browser takes to deliver them. (page.keyboard.type stamps each key when it
 * arrives, so a busy 2-core machine can space the keys past 100 ms and the scan reads as a person.)
 */
export async function scanBarcode(page: Page, code: string): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  try {
    let at = Date.now() / 1000;
    // Only Enter needs its key code (for the keydown handlers); a character needs its text.
    const press = async (key: string, text: string, keyCode?: number) => {
      const vk = keyCode === undefined ? {} : { windowsVirtualKeyCode: keyCode };
      await cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', key, text, timestamp: at, ...vk });
      await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key, timestamp: at + SCANNER_GAP_S / 2, ...vk });
      at += SCANNER_GAP_S;
    };
    for (const ch of code) await press(ch, ch);
    await press('Enter', '\r', 13);
  } finally {
    await cdp.detach();
  }
}
