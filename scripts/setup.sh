#!/usr/bin/env bash
# Sets up everything digitize needs on a fresh Debian machine (run as root):
# system packages, the virtual environment .venv/ and the package itself.
# With --tests it also installs PostgreSQL, which the tests run a server of, and
# Debian's Chromium, which the browser tests drive (Playwright never downloads one).
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
    python3 python3-venv python3-pip
    tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng tesseract-ocr-osd
    poppler-utils qpdf
    fonts-dejavu-core fonts-liberation2
    redis-server
)
if [ "${1:-}" = "--tests" ]; then
    APT_PACKAGES+=(postgresql chromium)
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "==> installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv"
    python3 -m venv .venv
fi
echo "==> installing digitize into .venv"
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[dev]"
echo "==> ready: $(.venv/bin/digitize --version 2>/dev/null || echo 'digitize installed')"
