#!/usr/bin/env bash
# Sets up the benchmarks: the project itself, Ghostscript, and OCRmyPDF (the peer
# we compare with) in its own virtual environment so its pins never touch ours.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v gs >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ghostscript >/dev/null
fi
if [ ! -x bench/.venv-ocrmypdf/bin/ocrmypdf ]; then
    python3 -m venv bench/.venv-ocrmypdf
    bench/.venv-ocrmypdf/bin/python -m pip install -q "ocrmypdf>=16,<18"
fi
echo "OCRmyPDF $(bench/.venv-ocrmypdf/bin/ocrmypdf --version) ready"
