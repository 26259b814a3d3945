#!/usr/bin/env bash
# focusdesk set-up on Debian/Ubuntu. Two uses, both install everything first:
#   ./setup.sh run    install, then open the app on the default workspace (under Xvfb if no screen)
#   ./setup.sh test   install with the test tools, then run the whole test suite
# Re-running is cheap: installs are skipped while setup.sh and pyproject.toml are unchanged.
set -euo pipefail
cd "$(dirname "$0")"
MODE="${1:-run}"; shift || true
VENV="${FOCUSDESK_VENV:-.venv}"
PY="${PYTHON:-python3}"

APT_PACKAGES=(
  # audio capture (PortAudio for sounddevice; PulseAudio for loopback/monitor sources and tests)
  libportaudio2 libsndfile1 pulseaudio pulseaudio-utils libasound2-plugins
  # Qt 6 (PySide6) and QtMultimedia
  libglib2.0-0 libegl1 libgl1 libdbus-1-3 libfontconfig1 libxkbcommon0 libpulse0 libxrandr2
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-shape0
  libxcb-xkb1 libxcb-util1 libxcb-render0 libxkbcommon-x11-0 fonts-dejavu-core
  # a virtual screen where there is none
  xvfb xauth
  # tests: speech and tones for recording tests, LibreOffice to check DOCX exports
  espeak-ng sox libreoffice-writer-nogui
  # Python venv support when the system Python is Debian's
  python3-venv python3-dev
)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

stamp="$VENV/.focusdesk-setup-$MODE"
digest="$(cat setup.sh pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  echo "== system packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${APT_PACKAGES[@]}" >/dev/null
  "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "focusdesk needs Python 3.11 or newer ($PY is older)"; exit 1; }
  echo "== Python environment in $VENV"
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  # The CPU build of torch must come first, or openai-whisper pulls a multi-GB CUDA build.
  "$VENV/bin/python" -m pip install -q "torch==2.13.0"
  if [ "$MODE" = test ]; then extras=".[test]"; else extras="."; fi
  "$VENV/bin/python" -m pip install -q -e "$extras"
  echo "$digest" > "$stamp"
fi

case "$MODE" in
  run)
    if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      exec xvfb-run -a -s "-screen 0 1440x900x24" "$VENV/bin/focusdesk" "$@"
    fi
    exec "$VENV/bin/focusdesk" "$@"
    ;;
  test)
    export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
    "$VENV/bin/ruff" check focusdesk tests bench
    exec xvfb-run -a -s "-screen 0 1440x900x24" "$VENV/bin/python" -m pytest "$@"
    ;;
  *)
    echo "usage: ./setup.sh run|test [args]"; exit 2 ;;
esac
