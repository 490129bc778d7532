"""The staff pages' two figures (issue 15), in Debian's Chromium driven by Playwright,
against `digitize serve` on this machine (SQLite, a Redis server of its own):

1. A review page for a 10-page document: from navigation to usable (the HTML parsed and
   its keyboard script bound: DOMContentLoaded; and the first page image shown), and to
   the load event (the page images in view: the others are loaded lazily, as they are
   scrolled to, their place kept by their known size); cold (new browser context) and
   warm (cached previews). The
   document's rows and its 1600-px previews are stored as the assembly step stores them
   (a sample page scaled to PREVIEW_SIDE, JPEG; reports the size OCR gives a form page),
   so OCR is not in the measure; `--queue` other documents wait in the review queue.
2. A 100 MB upload from the upload page: when the first progress event comes, how many
   come, when the upload ends (no worker runs: only the upload is measured).

    .venv/bin/python bench/web.py --rounds 5

Prints the figures with the machine's load (uptime); nothing here is asserted.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image

from config import Settings
from models import Document, Field, Page, PageStatus, Scan, ScanStatus
from service import staff
from service.context import Services
from service.processing import PREVIEW_SIDE, THUMBNAIL_SIDE

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "scans" / "to-khai-khai-sinh.jpg"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
PASSWORD = "bench-password-1"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answers (503 while no worker runs: none is needed here)
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer in {seconds:.0f} s")


def _jpeg(image: Image.Image, side: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((side, side))
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=80)
    return out.getvalue()


def _report(width: int, height: int, lines: int = 45, words: int = 8) -> dict[str, object]:
    """A page report the size OCR gives a full form page: lines of words with boxes."""
    word = {"text": "Nguyễn", "bbox": [100, 100, 180, 140], "confidence": 91.5}
    line = {"bbox": [100, 100, 1500, 140], "block": 0, "words": [word] * words}
    return {"width": width, "height": height, "text": "Họ và tên người yêu cầu " * 60,
            "lines": [line] * lines, "codes": []}  # fmt: skip


def seed_queue(services: Services, documents: int) -> None:
    """Other documents waiting in the review queue (older than the one measured)."""
    with services.writes.begin() as session:
        for _ in range(documents):
            scan = Scan(sha256=uuid.uuid4().hex * 2, size=1, format="pdf", original_name="q.pdf",
                        status=ScanStatus.DONE, pages_total=1)  # fmt: skip
            session.add(scan)
            session.flush()
            session.add(Document(
                scan_id=scan.id, index=0, doc_type="unknown", confidence=0.3,
                procedure_confidence=0.0, pages=[1], review=["document type unknown"],
                fields=[Field(name="full_name", value="x", raw="x", confidence=0.5, page=1,
                              bbox=[0, 0, 1, 1], review=True, problems=[])],
            ))  # fmt: skip


def seed_document(services: Services, pages: int) -> tuple[int, int, int]:
    """A `pages`-page document with a flagged field per page; (its id, preview bytes,
    original bytes) per page."""
    image = Image.open(SAMPLE).convert("RGB")
    preview, thumbnail = _jpeg(image, PREVIEW_SIDE), _jpeg(image, THUMBNAIL_SIDE)
    width, height = image.size
    for n in range(1, pages + 1):
        services.store.put_bytes(f"bench/{n}.jpg", preview)
        services.store.put_bytes(f"bench/{n}-t.jpg", thumbnail)
    with services.writes.begin() as session:
        scan = Scan(sha256=uuid.uuid4().hex * 2, size=1, format="pdf", original_name="b.pdf",
                    status=ScanStatus.DONE, pages_total=pages)  # fmt: skip
        session.add(scan)
        session.flush()
        for n in range(1, pages + 1):
            session.add(Page(scan_id=scan.id, number=n, status=PageStatus.DONE,
                             preview_key=f"bench/{n}.jpg", thumbnail_key=f"bench/{n}-t.jpg",
                             text="trang", report=_report(width, height)))  # fmt: skip
        document = Document(
            scan_id=scan.id, index=0, doc_type="unknown", confidence=0.3,
            procedure_confidence=0.0, pages=list(range(1, pages + 1)), review=[],
            fields=[Field(name=f"field_{n}", value=f"giá trị {n}", raw=f"giá trị {n}",
                          confidence=0.5, page=n, bbox=[200, 300 + n, 900, 360 + n],
                          review=True, problems=[]) for n in range(1, pages + 1)],
        )  # fmt: skip
        session.add(document)
        session.flush()
        return document.id, len(preview), SAMPLE.stat().st_size


_TIMING = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const images = performance.getEntriesByType('resource').filter(e => e.name.includes('/pages/'));
  const first = images.find(e => e.name.includes('/pages/1.jpg'));
  return {dom: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
          first_image: first ? first.responseEnd : null, images: images.length};
}"""

_HOOK = """() => {
  window.__events = [];
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (body) {
    const t0 = performance.now();
    const note = (...event) => window.__events.push(event);
    const up = this.upload;
    up.addEventListener('progress', e => note('progress', performance.now() - t0, e.loaded));
    this.addEventListener('load', () => note('load', performance.now() - t0, this.status));
    return send.call(this, body);
  };
}"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="review page loads, cold and warm")
    parser.add_argument("--pages", type=int, default=10, help="pages of the document reviewed")
    parser.add_argument("--queue", type=int, default=300,
                        help="other documents waiting in the review queue")  # fmt: skip
    parser.add_argument("--upload-mb", type=int, default=100, help="size of the uploaded file")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="digitize-web-bench-"))
    redis_port, port = _free_port(), _free_port()
    settings = Settings(data_dir=folder / "data", redis_url=f"redis://127.0.0.1:{redis_port}/0",
                        web_secure_cookies=True)  # fmt: skip
    env = {**os.environ, "DIGITIZE_DATA_DIR": str(settings.data_dir),
           "DIGITIZE_REDIS_URL": settings.redis_url, "DIGITIZE_API_PORT": str(port),
           "DIGITIZE_MAX_UPLOAD_MB": str(args.upload_mb * 2)}  # fmt: skip
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    services = Services.from_settings(settings)
    staff.create_user(services.database, "bench", "archive", PASSWORD, actor="bench")
    seed_queue(services, args.queue)
    document_id, preview_bytes, original_bytes = seed_document(services, args.pages)
    api = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve"], cwd=REPO, env=env, start_new_session=True
    )
    base = f"http://localhost:{port}"
    big = folder / "lon.tif"
    side = int((args.upload_mb * 1_000_000 / 3) ** 0.5)
    Image.effect_noise((side, side), 60).convert("RGB").save(big, "TIFF")
    try:
        _wait(f"{base}/api/v1/health", 120)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            cold, warm = [], []
            for _ in range(args.rounds):
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                page = context.new_page()
                page.goto(f"{base}/app/signin")
                page.fill("input[name=name]", "bench")
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(f"{base}/app/upload")
                for into in (cold, warm):
                    page.goto(f"{base}/app/review/{document_id}", wait_until="load")
                    into.append(page.evaluate(_TIMING))
                context.close()
            # the upload
            context = browser.new_context()
            page = context.new_page()
            page.goto(f"{base}/app/signin")
            page.fill("input[name=name]", "bench")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/app/upload")
            page.evaluate(_HOOK)
            page.set_input_files("#files", str(big))
            page.wait_for_selector("#uploads li .state a, #uploads li .state.error",
                                   timeout=600_000)  # fmt: skip
            events = page.evaluate("window.__events")
            state = page.inner_text("#uploads li .state")
            browser.close()
    finally:
        os.killpg(api.pid, signal.SIGTERM)
        api.wait(timeout=60)
        redis.terminate()
        redis.wait(timeout=60)
        services.close()
        shutil.rmtree(folder, ignore_errors=True)

    def line(name: str, rows: list[dict[str, float]], key: str) -> str:
        values = [r[key] for r in rows if r[key] is not None]
        return (f"  {name:<28} median {statistics.median(values):7.0f} ms  "
                f"(min {min(values):.0f}, max {max(values):.0f})")  # fmt: skip

    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"(1, 5, 15 min) on {os.cpu_count()} cores")  # fmt: skip
    print(
        f"review page of a {args.pages}-page document, {args.rounds} rounds; preview "
        f"{preview_bytes / 1000:.0f} kB per page (the scan's page: {original_bytes / 1000:.0f} kB)"
    )
    for name, rows in (("cold", cold), ("warm (cached previews)", warm)):
        print(f" {name}: {rows[0]['images']} page image(s) loaded by the load event")
        print(line("HTML parsed, keys bound", rows, "dom"))
        print(line("first page image shown", rows, "first_image"))
        print(line("load event", rows, "load"))
    progress = [e for e in events if e[0] == "progress"]
    done = [e for e in events if e[0] == "load"]
    print(f"upload of {big.stat().st_size / 1e6 if big.exists() else args.upload_mb:.0f} MB: "
          f"first progress event at {progress[0][1]:.0f} ms ({progress[0][2] / 1e6:.1f} MB sent), "
          f"{len(progress)} progress events, done at {done[0][1] if done else float('nan'):.0f} ms "
          f"(status {done[0][2] if done else '?'}); page said: {state}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
