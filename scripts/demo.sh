#!/usr/bin/env bash
# Sets everything up, then runs the service on embedded defaults (a Redis server of its
# own, SQLite, a local file store, one worker per core, the API), uploads the sample
# scans through the API, waits for them with a progress bar, fetches the results and
# says where to look. With --keep-running the service stays up until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export DIGITIZE_DATA_DIR="${DIGITIZE_DATA_DIR:-data}"
export DIGITIZE_API_PORT="${DIGITIZE_API_PORT:-8000}"
api="http://127.0.0.1:${DIGITIZE_API_PORT}/api/v1"
out=output/samples
mkdir -p "$DIGITIZE_DATA_DIR"
log="$DIGITIZE_DATA_DIR/service.log"

echo "==> starting the service (log: $log)"
.venv/bin/digitize up >"$log" 2>&1 &
service=$!
trap 'kill -TERM "$service" 2>/dev/null && wait "$service" 2>/dev/null || true' EXIT
.venv/bin/python - "$api/health" <<'PY'
import sys, time, urllib.request
for _ in range(120):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2)
        sys.exit(0)
    except Exception:
        time.sleep(0.5)
sys.exit("the service did not start; see the log")
PY

key=$(.venv/bin/digitize apikey create --name "demo archive $(date +%Y%m%d-%H%M%S)" --role archive --quiet)
echo "==> uploading samples/scans through the API"
.venv/bin/digitize upload samples/scans --api "http://127.0.0.1:${DIGITIZE_API_PORT}" \
    --key "$key" --wait --save "$out"
echo
echo "Searchable PDFs fetched through the API are in $(pwd)/$out (one folder per dossier"
echo "or file), with the batch's JSON; the service keeps everything in $(pwd)/$DIGITIZE_DATA_DIR."
echo "  e.g. pdftotext $out/to-khai-khai-sinh/01-to_khai_dang_ky_khai_sinh.pdf - | head"
if [ "${1:-}" = "--keep-running" ]; then
    echo "The API is at $api (OpenAPI: $api/docs); key of this demo: $key"
    echo "Press Ctrl-C to stop."
    wait "$service"
fi
