/** Entry point of the kiosk UI. */
import './app.ts';

// A long press adds a missed cell: Chromium's context menu must not open on it.
window.addEventListener('contextmenu', (e) => e.preventDefault());
