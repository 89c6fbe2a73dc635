#!/usr/bin/env bash
# Installs everything Grid Command needs on a fresh Debian machine; safe to run again.
# Debian libraries QtWebEngine needs even offscreen, Xvfb bits for a real window,
# a CJK font so Chinese shows, then a virtual environment with the project.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # Python itself: Debian 12 ships 3.11; python3-venv brings ensurepip (python3.11-venv),
  # ca-certificates lets pip reach PyPI over TLS. Every dependency is a wheel: no compiler.
  python3 python3-venv ca-certificates
  libnss3 libasound2 libgbm1 libxkbcommon0 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxkbfile1
  libxcb-dri3-0 libfontconfig1 libglib2.0-0 libdbus-1-3 libegl1 libgl1
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-randr0 libxcb-render-util0 libxcb-shape0
  libxcb-xkb1 libxkbcommon-x11-0 libx11-xcb1 xvfb xauth
  fonts-wqy-microhei
  # the period report's tests read its PDF back with pdffonts and pdftotext
  poppler-utils
)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3.11}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "setup: $PYTHON not found (Debian 12's python3 is 3.11; set PYTHON=python3.X to choose another)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
echo "setup: done"
