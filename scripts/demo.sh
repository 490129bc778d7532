#!/usr/bin/env bash
# Sets everything up, then digitises the sample scans on embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=output/samples
.venv/bin/digitize process samples/scans --out "$out" "$@"
echo
echo "Searchable PDFs and JSON results are in $(pwd)/$out"
echo "  e.g. pdftotext $out/to-khai-khai-sinh.pdf - | head"
