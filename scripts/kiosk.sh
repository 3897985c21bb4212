#!/usr/bin/env bash
# The nurse's screen: Chromium in kiosk mode on the daemon's UI, inside the cage Wayland compositor
# (or a bare X server where cage is not packaged, e.g. Ubuntu 20.04 / JetPack 5).
# Run by leukodiff-kiosk.service as the kiosk user on tty1.
set -euo pipefail
url="${LEUKODIFF_KIOSK_URL:-http://127.0.0.1:${LEUKODIFF_PORT:-8080}}"

# No display device at all (no DRM card, no framebuffer: screen driver missing, or a headless box):
# the compositor cannot start, and a restart every 2 s would only fill the journal. The unit asks
# first (ExecCondition=, `--check-display`: exit 1 skips the unit without a restart loop, before the
# PAM session, which fails too on a seat without a display); started anyway, exit 78, on which the
# unit does not restart (RestartPreventExitStatus=78).
dev=${LEUKODIFF_KIOSK_DEV:-/dev}
if ! compgen -G "$dev/dri/card*" >/dev/null && ! compgen -G "$dev/fb[0-9]*" >/dev/null; then
  echo "leukodiff kiosk: no display found (no /dev/dri/card* or /dev/fb*): connect the screen and check its driver, then run systemctl restart leukodiff-kiosk; for a box without a screen, reinstall with --no-kiosk" >&2
  [[ "${1:-}" == --check-display ]] && exit 1
  exit 78
fi
[[ "${1:-}" != --check-display ]] || exit 0

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
