"""The staff pages in a real browser: Playwright (PyPI) driving Debian's Chromium (never a
downloaded one) against the real service started here: `digitize serve` and a
`digitize worker` as subprocesses, Redis, SQLite. Screenshots of every page go to
output/screenshots/ (git-ignored), to be looked at.

Waits are bounded (timeouts), never asserted on: the machine may be heavily loaded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from config import Settings
from models import ApiClient, Batch, Field, Webhook
from service import staff
from service.context import Services
from tests.badfiles import good_jpeg, good_tiff
from tests.service_fixtures import REPO, free_port, service_env, start_worker, wait_until

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO / "output" / "screenshots"
SCAN = REPO / "samples" / "scans" / "to-khai-khai-sinh.jpg"
PASSWORD = "mật-khẩu-thử-nghiệm"
CORRECTED = "Phạm Thị Kiểm Thử"
DOSSIER = "000.00.01.H01-240115-0001"

# Two files dropped on the page, as a browser's drag and drop delivers them.
DROP = """async (url) => {
  const blob = await (await fetch(url)).blob();
  const data = new DataTransfer();
  data.items.add(new File([blob], "keo-tha-1.jpg", { type: "image/jpeg" }));
  data.items.add(new File([blob, "x"], "keo-tha-2.jpg", { type: "image/jpeg" }));
  document.getElementById("drop").dispatchEvent(
    new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
}"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1500),
    pytest.mark.skipif(not CHROMIUM.is_file(), reason="chromium not installed (setup.sh --tests)"),
]
sync_api = pytest.importorskip("playwright.sync_api")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@pytest.fixture
def live(
    tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Services]]:
    """The service on a free port (API + one worker), with two staff accounts."""
    port = free_port()
    settings = Settings(
        data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path}/digitize.db",
        redis_url=redis_url, queue_name=f"web-{uuid.uuid4().hex[:8]}", pages_per_job=2,
        job_retries=1, retry_backoff="0", worker_grace=5, worker_maintenance=2,
    )  # fmt: skip
    services = Services.from_settings(settings)
    staff.create_user(services.database, "lan", "archive", PASSWORD, actor="tests")
    staff.create_user(services.database, "quan", "admin", PASSWORD, actor="tests")
    # A stricter review threshold than the default (0.6), as an office may set: the sample's
    # fields, read at ~0.96, are then flagged for a person to check.
    monkeypatch.setenv("DIGITIZE_REVIEW_BELOW", "0.99")  # the worker's environment too
    env = {**service_env(settings), "DIGITIZE_API_PORT": str(port)}
    # Its log to a file: a pipe nobody reads fills up and blocks the server.
    log = (tmp_path / "serve.log").open("wb")
    api = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve"], cwd=REPO, env=env,
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    worker = start_worker(settings, burst=False, name=f"web-{uuid.uuid4().hex[:6]}")
    # "localhost": browsers keep Secure cookies over plain http there, as over https.
    base = f"http://localhost:{port}"
    try:
        wait_until(lambda: _answers(f"{base}/api/v1/health"), 120, "the API")
        yield base, services
    finally:
        for process in (api, worker):
            os.killpg(process.pid, signal.SIGTERM)
        for process in (api, worker):
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        services.close()
        log.close()


@pytest.fixture
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        yield launched
        launched.close()


def _shot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _sign_in(page: object, base: str, name: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/app/signin")  # type: ignore[attr-defined]
    page.fill("input[name=name]", name)  # type: ignore[attr-defined]
    page.fill("input[name=password]", password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]


def test_staff_upload_review_search_and_refusals(
    live: tuple[str, Services], browser: object, tmp_path: Path
) -> None:
    base, services = live
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="vi-VN")  # type: ignore[attr-defined]
    context.set_default_timeout(60_000)
    page = context.new_page()
    expect = sync_api.expect

    # Signed out: every page leads to the sign-in form. A wrong password is refused.
    page.goto(f"{base}/app/review")
    expect(page).to_have_url(f"{base}/app/signin?next=/app/review")
    assert page.locator("html").get_attribute("lang") == "vi"
    _sign_in(page, base, "lan", "sai-mật-khẩu-rồi")
    expect(page.locator("p.error")).to_contain_text("không đúng")
    _shot(page, "01-signin-refused")

    _sign_in(page, base, "lan")
    expect(page).to_have_url(f"{base}/app/upload")
    session_cookie = next(c for c in context.cookies() if c["name"] == "dgz_session")
    assert session_cookie["httpOnly"] and session_cookie["secure"]
    assert session_cookie["sameSite"] == "Strict"

    # Upload: one progress bar per file, then a link to its batch.
    page.set_input_files("#files", str(SCAN))
    done = page.locator("#uploads li.done a")
    expect(done).to_contain_text("Đã nhận: lô #", timeout=120_000)
    assert page.locator("#uploads progress").count() == 1
    _shot(page, "02-upload")

    # Batches: progress follows without a reload until the batch is done.
    page.goto(f"{base}/app/batches")
    page.evaluate("window.__sameDocument = true")  # a reload would drop this
    row = page.locator("#batch-rows tr[data-status]").first
    _shot(page, "03-batches-running")
    expect(row).to_have_attribute("data-status", "done", timeout=900_000)
    assert page.evaluate("window.__sameDocument === true")
    expect(row.locator(".pages")).to_contain_text("1/1 trang")
    _shot(page, "04-batches-done")

    # Review: the queue, oldest first; the page by keyboard only.
    page.goto(f"{base}/app/review")
    _shot(page, "05-review-queue")
    page.keyboard.press("n")
    expect(page.locator("section.panel h1")).to_contain_text("Tài liệu #")
    document_id = int(page.url.rsplit("/", 1)[1].split("?")[0])
    active = page.locator("li.field.active")
    expect(active).to_have_count(1)
    name = active.get_attribute("data-field")
    assert "flagged" in (active.get_attribute("class") or "")  # the first flagged field
    page.locator("figure.page img").first.evaluate(
        "img => img.complete || new Promise(r => img.onload = r)"
    )
    _shot(page, "06-review-page")
    page.keyboard.press("j")
    expect(page.locator("li.field.active")).not_to_have_attribute("data-field", name)
    page.keyboard.press("k")
    expect(page.locator("li.field.active")).to_have_attribute("data-field", name)
    page.keyboard.press("c")
    page.keyboard.press("Control+A")
    page.keyboard.type(CORRECTED)
    page.keyboard.press("Enter")
    expect(page.locator(f"#field-{name} .corrected")).to_contain_text(CORRECTED)
    expect(page.locator(f"#field-{name} .corrected")).to_contain_text("staff:lan")
    _shot(page, "07-review-corrected")
    # The next flagged field is active now: Enter confirms the value read.
    confirmed = page.locator("li.field.active").get_attribute("data-field")
    assert confirmed != name
    page.keyboard.press("Enter")
    expect(page.locator(f"#field-{confirmed} .corrected")).to_contain_text("Đã xác nhận")
    with services.sessions() as session:
        field = session.scalar(
            select(Field).where(Field.document_id == document_id, Field.name == name)
        )
        assert field is not None and field.corrected_value == CORRECTED
        assert field.value != CORRECTED  # the value read is kept beside it
        assert not field.review
        other = session.scalar(
            select(Field).where(Field.document_id == document_id, Field.name == confirmed)
        )
        assert other is not None and other.corrected_by == "staff:lan"
        assert other.corrected_value == other.value

    # The undecided dossier code, settled on the same page.
    page.fill("input[name=code]", DOSSIER)
    page.click("text=Gắn vào hồ sơ")
    expect(page.locator("section.panel")).to_contain_text(f"Hồ sơ: {DOSSIER}")

    # Search finds the corrected value, typed without diacritics too.
    page.goto(f"{base}/app/search?q=kiem+thu")
    hit = page.locator("li.hit").first
    expect(hit.locator("mark").first).to_be_visible()
    expect(hit).to_contain_text("Kiểm")
    _shot(page, "08-search")

    # The dossier (if the scan named one) or the list of dossiers.
    page.goto(f"{base}/app/dossiers")
    _shot(page, "09-dossiers")
    page.click(f"text={DOSSIER}")
    expect(page.locator("h1")).to_contain_text(f"Hồ sơ {DOSSIER}")
    expect(page.locator("table.history")).to_contain_text("field.correct")
    thumbnail = page.locator(".thumbs img").first
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.locator("article.document")).to_contain_text(CORRECTED)
    _shot(page, "10-dossier")
    pdf = page.request.get(base + page.get_attribute("text=PDF tìm kiếm được", "href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    # Refusals: a page of another role; a form posted without its CSRF token.
    answer = page.goto(f"{base}/app/admin")
    assert answer is not None and answer.status == 403
    expect(page.locator("p.error")).to_contain_text("Vai trò của bạn")
    _shot(page, "11-refused-role")
    page.goto(f"{base}/app/upload")
    page.evaluate("document.querySelector('form.signout input[name=csrf]').remove()")
    with page.expect_navigation():
        page.click("form.signout button")
    expect(page.locator("p.error")).to_contain_text("CSRF")
    _shot(page, "12-refused-csrf")
    page.goto(f"{base}/app/upload")
    expect(page).to_have_url(f"{base}/app/upload")  # still signed in

    # A folder chosen whole (the webkitdirectory input, given a real directory), and
    # several files dropped on the page: one progress bar each, each file its own batch.
    folder = tmp_path / "may-quet"
    folder.mkdir()
    good_jpeg(folder / "trang-1.jpg")
    good_tiff(folder / "trang-2.tif")
    (folder / "ghi-chu.txt").write_text("không phải bản quét")  # left out by the page
    page.goto(f"{base}/app/upload")
    page.set_input_files("#folder", str(folder))
    expect(page.locator("#uploads li.done")).to_have_count(2, timeout=120_000)
    expect(page.locator("#uploads")).to_contain_text("may-quet/trang-1.jpg")
    page.evaluate(DROP, f"/app/documents/{document_id}/pages/1.jpg?size=thumbnail")
    expect(page.locator("#uploads li.done")).to_have_count(4, timeout=120_000)
    expect(page.locator("#uploads")).to_contain_text("keo-tha-2.jpg")
    _shot(page, "12b-upload-folder-and-drop")
    # "Một hồ sơ" without a code: the folder's files are one batch, one dossier.
    page.goto(f"{base}/app/upload")
    page.check("input[name=mode][value=one]")
    page.set_input_files("#folder", str(folder))
    expect(page.locator("#uploads li.done")).to_have_count(2, timeout=120_000)
    expect(page.locator("#uploads li.done").first).to_contain_text("(một hồ sơ)")
    _shot(page, "12c-upload-one-dossier")
    with services.sessions() as session:
        batches = list(session.scalars(select(Batch).order_by(Batch.id)))
        names = [[f.filename for f in b.files] for b in batches[1:]]
        assert sorted(names[:2]) == [["trang-1.jpg"], ["trang-2.tif"]]
        assert sorted(names[2:4]) == [["keo-tha-1.jpg"], ["keo-tha-2.jpg"]]  # sent side by side
        assert sorted(names[4]) == ["trang-1.jpg", "trang-2.tif"] and len(batches) == 6
        assert batches[5].one_dossier and batches[5].dossier_code is None
        assert not any(b.one_dossier for b in batches[:5])

    # Sign out: the session is over.
    page.click("form.signout button")
    expect(page).to_have_url(f"{base}/app/signin")
    page.goto(f"{base}/app/batches")
    expect(page).to_have_url(f"{base}/app/signin?next=/app/batches")
    _shot(page, "13-signed-out")

    # An administrator's page.
    _sign_in(page, base, "quan")
    page.goto(f"{base}/app/admin")
    expect(page.locator("main")).to_contain_text("chỉnh sửa của cán bộ")
    _shot(page, "14-admin")
    # An API client made here: its key shown this once.
    page.fill("#new-client input[name=name]", "Phần mềm một cửa tỉnh")
    page.select_option("#new-client select[name=role]", "onestop")
    page.click("#new-client button")
    expect(page.locator("#new-key")).to_contain_text("chỉ hiện một lần")
    key = page.locator("#new-key code.secret").inner_text()
    assert key.startswith("dgz_")
    answer = page.request.get(f"{base}/api/v1/webhooks", headers={"Authorization": f"Bearer {key}"})
    assert answer.status == 200
    _shot(page, "15-admin-client-key")
    # A webhook for it: an internal address refused by the API's checks, a public one taken.
    page.fill("#new-webhook input[name=url]", "http://10.0.0.1/hook")
    page.click("#new-webhook button")
    expect(page.locator("p.error")).to_contain_text("Địa chỉ webhook bị từ chối")
    page.fill("#new-webhook input[name=url]", "https://93.184.216.34/digitize")
    page.click("#new-webhook button")
    expect(page.locator("#new-secret")).to_contain_text("chỉ hiện một lần")
    _shot(page, "16-admin-webhook")
    # Retraining on the queue: the worker runs it; the page follows it to its end.
    page.goto(f"{base}/app/admin")
    page.click("#retrain-form button")
    expect(page.locator("p.ok[role=status]")).to_contain_text("hàng đợi")
    expect(page.locator("#retrain-state")).to_have_attribute("data-state", "finished",
                                                             timeout=600_000)  # fmt: skip
    expect(page.locator("#retrain-state")).to_contain_text("ví dụ")
    _shot(page, "17-admin-retrained")
    with services.sessions() as session:
        (client,) = session.scalars(select(ApiClient))
        (hook,) = session.scalars(select(Webhook))
        assert hook.client_id == client.id and client.role == "onestop"
    context.close()


def test_staff_check_a_household_table_in_the_browser(
    live: tuple[str, Services], browser: object, tmp_path: Path
) -> None:
    """CT01's household members on the review page: flagged cells marked, one corrected
    in the browser, the correction shown with the value read beside it."""
    from tests.test_service_tables import store_ct01

    expect = sync_api.expect
    base, services = live
    document_id = store_ct01(services, tmp_path)
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="vi-VN")  # type: ignore[attr-defined]
    page = context.new_page()
    _sign_in(page, base, "lan")
    page.goto(f"{base}/app/review/{document_id}")
    table = page.locator("section[data-table=household_members]")
    expect(table.locator("h3")).to_contain_text("Thành viên hộ gia đình")
    flagged = table.locator("td[data-cell='2-id_number']")
    expect(flagged).to_have_class("flagged")
    expect(flagged).to_contain_text("cần kiểm tra")
    _shot(page, "18-review-household-table")
    flagged.locator("input[name=value]").fill("001310004321")
    flagged.locator("button[value=correct]").click()
    corrected = page.locator("section[data-table=household_members] td[data-cell='2-id_number']")
    expect(corrected).to_contain_text("001310004321")
    expect(corrected).to_contain_text("sửa bởi staff:lan")
    expect(corrected).not_to_have_class("flagged")
    _shot(page, "19-review-household-table-corrected")
    context.close()
