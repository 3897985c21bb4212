#!/usr/bin/env bash
# The nurse's screen: Chromium in kiosk mode on the daemon's UI, inside the cage Wayland compositor
# (or a bare X server where cage is not packaged, e.g. Ubuntu 20.04 / JetPack 5).
# Run by leukodiff-kiosk.service as the kiosk user on tty1.
set -euo pipefail
url="${LEUKODIFF_KIOSK_URL:-http://127.0.0.1:${LEUKODIFF_PORT:-8080}}"

browser=''
for candidate in chromium chromium-browser /snap/bin/chromium; do
  if command -v "$candidate" >/dev/null 2>&1; then
    browser=$(command -v "$candidate")
    break
  fi
done
if [[ -z "$browser" ]]; then
  echo "leukodiff kiosk: no Chromium found (install chromium or chromium-browser)" >&2
  exit 1
fi

flags=(
  --kiosk "$url"
  --no-first-run --noerrdialogs --disable-infobars --disable-session-crashed-bubble
  --disable-translate "--disable-features=TranslateUI,Translate"
  --overscroll-history-navigation=0 --disable-pinch
  --check-for-update-interval=31536000
  --user-data-dir="${HOME:-/tmp}/.leukodiff-kiosk-profile"
)

# A crash must not leave a "restore pages?" bar on the next start.
prefs="${HOME:-/tmp}/.leukodiff-kiosk-profile/Default/Preferences"
if [[ -f "$prefs" ]]; then
  sed -i 's/"exited_cleanly":false/"exited_cleanly":true/; s/"exit_type":"[^"]*"/"exit_type":"Normal"/' "$prefs"
fi

if command -v cage >/dev/null 2>&1; then
  exec cage -- "$browser" --ozone-platform=wayland "${flags[@]}"
fi
if command -v xinit >/dev/null 2>&1; then
  exec xinit "$browser" "${flags[@]}" -- :0 vt1 -nocursor -nolisten tcp
fi
echo "leukodiff kiosk: neither cage nor xinit is installed" >&2
exit 1
