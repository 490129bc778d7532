"""The staff pages under /app. Thin like the API's routes: check who asks (session
cookie, role, CSRF token), call a use case or a query, render a template.

A page asked for by the page's own script (header `X-Requested-With: fetch`) gets a
fragment or JSON; a browser's navigation gets the whole page.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import secrets
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from fastapi.templating import Jinja2Templates
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import ServicesDep, SessionDep
from api.uploads import read_upload
from models import ApiClient, AuditEntry, Document, Dossier, Page, Role, Webhook
from service import queries, staff, staffreview, usecases, webhooks
from service import search as searching
from service.audit import entries_for
from service.auth import Permission, allowed
from service.context import Services
from service.destinations import Network, RefusedDestinationError, parse_networks
from service.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    ServiceError,
)
from service.ingest import ReceivedFile, checked_dossier_code, discard_all
from service.staff import SESSION_COOKIE, StaffSession
from workers import queue as work
from workers.queue import enqueue_scans

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(prefix="/app", include_in_schema=False)

# The review notes the pipeline writes (English, in the JSON contract), said in Vietnamese.
_NOTES = [
    (re.compile(r"^document type unknown$"), "Chưa rõ loại giấy tờ"),
    (re.compile(r"^document type uncertain \((.*)\)$"), r"Loại giấy tờ chưa chắc chắn (\1)"),
    (re.compile(r"^dossier code undecided$"), "Chưa xác định mã hồ sơ"),
    (re.compile(r"^field (\w+): uncertain$"), r"Trường \1: chưa chắc chắn"),
    (re.compile(r"^field (\w+)$"), r"Trường \1: cần kiểm tra"),
    (re.compile(r"^field (\w+): (.*)$"), r"Trường \1: \2"),
]
# Where the one-stop record and the papers disagree (the dossier's own notes).
_RECORD_NOTES = [
    (
        re.compile(r"^record mismatch: procedure: record says (.*), documents say (.*)$"),
        r"Hồ sơ điện tử ghi thủ tục \1, giấy tờ là thủ tục \2",
    ),
    (
        re.compile(r"^record mismatch: applicant: record says (.*), documents name (.*)$"),
        r"Hồ sơ điện tử ghi người nộp \1, giấy tờ ghi \2",
    ),
    (
        re.compile(r"^record mismatch: ID number: record says (.*), documents have (.*)$"),
        r"Hồ sơ điện tử ghi số định danh \1, giấy tờ ghi \2",
    ),
]


# The canonical field names (README, "Documents") as staff read them.
FIELD_NAMES = {
    "applicant_name": "Họ tên người yêu cầu",
    "applicant_dob": "Ngày sinh người yêu cầu",
    "applicant_sex": "Giới tính người yêu cầu",
    "id_number": "Số định danh cá nhân",
    "address": "Nơi cư trú",
    "phone": "Số điện thoại",
    "subject_name": "Họ tên người được đăng ký",
    "subject_dob": "Ngày sinh người được đăng ký",
    "subject_sex": "Giới tính người được đăng ký",
    "spouse_name": "Họ tên vợ/chồng",
    "spouse_id_number": "Số định danh của vợ/chồng",
    "father_name": "Họ tên cha",
    "mother_name": "Họ tên mẹ",
    "business_name": "Tên hộ kinh doanh",
    "capital_vnd": "Vốn kinh doanh (đồng)",
    "land_parcel": "Thửa đất số",
    "map_sheet": "Tờ bản đồ số",
    "land_area_m2": "Diện tích (m²)",
    "dossier_code": "Mã hồ sơ",
    "document_date": "Ngày của giấy tờ",
    "issuer": "Cơ quan",
    "valid_until": "Có giá trị đến",
    "procedure_name": "Thủ tục",
}
# A one-stop record's status (as the one-stop software sends it) and the sexes.
_STATUSES = {
    "received": "Đã tiếp nhận",
    "processing": "Đang giải quyết",
    "done": "Đã giải quyết",
    "returned": "Đã trả kết quả",
    "rejected": "Từ chối",
    "cancelled": "Đã huỷ",
}
_SEXES = {"male": "Nam", "female": "Nữ"}


def field_vi(name: str) -> str:
    """A field's name for staff: its Vietnamese label, else the form's own name."""
    return FIELD_NAMES.get(name, name.replace("_", " "))


def value_vi(value: Any, name: str) -> Any:
    """A normalised value as staff read it (sex as Nam/Nữ); others as they are."""
    if name.endswith("_sex") and isinstance(value, str):
        return _SEXES.get(value, value)
    return value


def status_vi(status: str) -> str:
    return _STATUSES.get(status, status)


# The field problems the reading step names (digitize/understand/fields.py and the ID
# checks of digitize/understand/checks.py), for staff. A note joins several with ", ".
_KINDS = {
    "name": "họ tên",
    "date": "ngày tháng",
    "year": "năm",
    "sex": "giới tính",
    "id_number": "số định danh",
    "phone": "số điện thoại",
    "money": "số tiền",
    "area": "diện tích",
    "integer": "số",
    "dossier_code": "mã hồ sơ",
    "text": "chữ",
    "address": "địa chỉ",
}
_PROBLEMS: list[tuple[str, str | Callable[[re.Match[str]], str]]] = [
    ("placeholder", "chỉ là chỗ trống của mẫu"),
    ("printed instruction", "là lời dẫn in sẵn"),
    ("garbled", "đọc bị rối"),
    ("printed part of the label", "lẫn phần nhãn in sẵn"),
    ("cut short", "có thể bị cắt (phần sau ở dòng không đọc được)"),
    ("not a name", "không giống tên người"),
    ("too short", "quá ngắn"),
    ("footnote marker", "có dấu chú thích"),
    ("uncertain reading", "đọc chưa chắc chắn"),
    ("word not in the Vietnamese word list", "có từ không có trong từ điển tiếng Việt"),
    ("uncertain", "chưa chắc chắn"),
    ("handwritten", "viết tay (máy không đọc chữ viết tay)"),
    ("empty", "để trống"),
    ("not found", "không tìm thấy trên trang"),
    ("digits split by leader dots", "chữ số bị dấu chấm của dòng kẻ chen vào"),
    ("typed over the printed slashes", "đánh đè lên dấu gạch chéo in sẵn"),
    ("document type unknown", "chưa rõ loại giấy tờ"),
    ("not 12 digits", "không đủ 12 chữ số"),
    ("label found with other values", "nhãn này có ở nhiều chỗ, với giá trị khác nhau"),
    (
        "found by its kind, label not in the catalogue",
        "tìm theo dạng giá trị, nhãn không có trong danh mục",
    ),
    ("label not in the catalogue", "nhãn không có trong danh mục (máy đoán trường)"),
    ("several values of its kind", "có nhiều giá trị cùng dạng"),
    ("person not known for the field", "nhãn ghi một người khác với người của trường này"),
    ("label of another form's field", "nhãn giống nhãn của trường ở loại giấy tờ khác"),
    ("role not shown by a section heading", "không có tiêu đề mục cho biết là của ai"),
    ("several ID numbers, no label", "có nhiều số định danh, không có nhãn"),
    (r"same value as (\w+)", lambda m: f"trùng giá trị với trường {field_vi(m[1])}"),
    (r"unknown province code (\d+)", r"mã tỉnh \1 không có trong danh mục"),
    (r"does not open with '([^']+)'", r"không mở đầu bằng “\1” như quy định"),
    (
        r"sex digit says (\w+), document says (\w+)",
        lambda m: (
            f"số định danh chỉ giới tính {value_vi(m[1], '_sex')}, "
            f"giấy tờ ghi {value_vi(m[2], '_sex')}"
        ),
    ),
    (r"century and sex digit (\S+) is not 0-5", r"chữ số thế kỷ và giới tính \1 không thuộc 0–5"),
    (
        r"birth year (\d+) in the number, (\d+) on the document",
        r"năm sinh trong số là \1, trên giấy tờ là \2",
    ),
    (
        r"cannot read (.+) as (\w+)",
        lambda m: f"không đọc được {m[1]} thành {_KINDS.get(m[2], m[2])}",
    ),
]
_PROBLEM_PATTERNS = [
    (re.compile(rf"(?:^|(?<=, ))(?:{pattern})(?=, |$)"), said) for pattern, said in _PROBLEMS
]


def problems_vi(problems: str) -> str:
    """A note's problems ("cut short, not a name") in Vietnamese; any not known stay."""
    for pattern, said in _PROBLEM_PATTERNS:
        problems = pattern.sub(said, problems)
    return problems


# Tables read as rows (issue 13): their names and columns as staff read them.
TABLE_NAMES = {"household_members": "Thành viên hộ gia đình"}
COLUMN_NAMES = {
    "full_name": "Họ, chữ đệm và tên",
    "date_of_birth": "Ngày, tháng, năm sinh",
    "sex": "Giới tính",
    "id_number": "Số định danh cá nhân",
    "relation": "Quan hệ với chủ hộ",
}
_TABLE_NOTE = re.compile(r"^table (\w+) row (\d+) (\w+): (.*)$")


def table_vi(name: str) -> str:
    return TABLE_NAMES.get(name, name.replace("_", " "))


def column_vi(name: str) -> str:
    return COLUMN_NAMES.get(name, name.replace("_", " "))


def cell_vi(value: Any, column: str) -> Any:
    """A cell's normalised value as staff read it (sex as Nam/Nữ)."""
    return value_vi(value, "_sex") if column == "sex" else value


def cell_problems_vi(problems: Sequence[str]) -> str:
    return problems_vi(", ".join(problems))


def note_vi(note: str) -> str:
    table = _TABLE_NOTE.match(note)
    if table:
        name, row, column, problems = table.groups()
        return (
            f"Bảng {table_vi(name)}, dòng {row}, cột {column_vi(column)}: {problems_vi(problems)}"
        )
    for pattern, text in _RECORD_NOTES:
        if pattern.match(note):
            return pattern.sub(text, note)
    for pattern, text in _NOTES:
        match = pattern.match(note)
        if match:
            if pattern.groups == 2:
                note = f"field {match.group(1)}: {problems_vi(match.group(2))}"
            said = pattern.sub(text, note)
            field = match.group(1) if pattern.groups else None
            return said.replace(f"Trường {field}", f"Trường {field_vi(field)}") if field else said
    return note


def detail_text(detail: dict[str, Any]) -> str:
    """An audit entry's detail, readable (Vietnamese as it is, not JSON-escaped)."""
    return "; ".join(f"{key}: {value}" for key, value in detail.items())


templates.env.filters["note_vi"] = note_vi
templates.env.filters["problems_vi"] = problems_vi
templates.env.filters["table_vi"] = table_vi
templates.env.filters["column_vi"] = column_vi
templates.env.filters["cell_vi"] = cell_vi
templates.env.filters["cell_problems_vi"] = cell_problems_vi
templates.env.filters["field_vi"] = field_vi
templates.env.filters["value_vi"] = value_vi
templates.env.filters["status_vi"] = status_vi
templates.env.filters["detail_text"] = detail_text
CSRF_MISSING = "Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ (CSRF). Hãy tải lại trang."
CSRF_COOKIE = "dgz_csrf"  # the sign-in form's token (double submit), before any session

# The pages, in the order of the menu, and what a role needs to see each.
MENU = [
    ("upload", "Tải lên", Permission.UPLOAD),
    ("batches", "Lô quét", Permission.REVIEW),
    ("review", "Kiểm tra", Permission.REVIEW),
    ("dossiers", "Hồ sơ", Permission.READ_DOSSIERS),
    ("search", "Tìm kiếm", Permission.SEARCH),
    ("admin", "Quản trị", Permission.MANAGE_CLIENTS),
]
ROLE_NAMES = {Role.ARCHIVE: "Lưu trữ", Role.ONESTOP: "Một cửa", Role.ADMIN: "Quản trị"}


class SignInNeededError(Exception):
    pass


class WebRefusedError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _address(request: Request) -> str:
    """Who signs in, for the slow-down by address and the audit: the socket's peer, or,
    when that peer is a trusted proxy, what the proxies said in X-Forwarded-For."""
    peer = request.client.host if request.client else "?"
    trusted = _trusted(request.app.state.services.settings.trusted_proxies)
    forwarded = request.headers.getlist("x-forwarded-for")
    return client_address(peer, forwarded, trusted)


@functools.lru_cache(maxsize=4)
def _trusted(raw: str) -> tuple[Network, ...]:
    return tuple(parse_networks(raw))


def client_address(peer: str, forwarded: list[str], trusted: Sequence[Network]) -> str:
    """The right-most address of X-Forwarded-For that is not one of our proxies, read
    only when the peer is one of them: each proxy appends the address it saw, so the
    entries to its left were written by the client and may be anything."""
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for line in forwarded for hop in line.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop if _ip(hop) is not None else peer  # garbage: keep the last proxy
        peer = hop
    return peer  # every hop is a proxy of ours


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    ip = _ip(address)
    return ip is not None and any(ip in network for network in trusted)


def _render(request: Request, template: str, me: StaffSession | None, status_code: int = 200,
            **context: Any) -> HTMLResponse:  # fmt: skip
    menu = [(key, label) for key, label, need in MENU if me and allowed(me.role, need)]
    return templates.TemplateResponse(
        request,
        template,
        {"me": me, "menu": menu, "role_names": ROLE_NAMES, **context},
        status_code=status_code,
    )


# --- who asks ------------------------------------------------------------------------


def current_staff(request: Request, session: SessionDep) -> StaffSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    return staff.find_session(session, token) if token else None


MaybeStaff = Annotated[StaffSession | None, Depends(current_staff)]


def signed_in(me: MaybeStaff) -> StaffSession:
    if me is None:
        raise SignInNeededError
    return me


def may(*permissions: Permission) -> Callable[..., StaffSession]:
    """A signed-in member of staff whose role has one of `permissions`; else a refusal,
    kept in the audit log."""

    def check(request: Request, services: ServicesDep, me: MaybeStaff) -> StaffSession:
        me = signed_in(me)
        if not any(allowed(me.role, p) for p in permissions):
            staff.record_refusal(services.database, me.actor, "role",
                                 {"path": request.url.path, "role": me.role.value})  # fmt: skip
            raise WebRefusedError(403, "Vai trò của bạn không được mở trang này.")
        return me

    return check


async def csrf_ok(request: Request, services: Services, me: StaffSession) -> None:
    """The session's CSRF token must come back, in the form or in a header."""
    given = request.headers.get("x-csrf-token")
    if given is None and request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    ):
        given = str((await request.form()).get("csrf", ""))
    if not given or not secrets.compare_digest(given, me.csrf_token):
        await run_in_threadpool(staff.record_refusal, services.database, me.actor, "csrf",
                                {"path": request.url.path})  # fmt: skip
        raise WebRefusedError(403, CSRF_MISSING)


def posting(*permissions: Permission) -> Callable[..., Awaitable[StaffSession]]:
    """Like `may`, for a request that changes something: the CSRF token checked too."""
    checker = may(*permissions)

    async def check(request: Request, services: ServicesDep, me: MaybeStaff) -> StaffSession:
        me = checker(request, services, me)
        await csrf_ok(request, services, me)
        return me

    return check


Uploader = Annotated[StaffSession, Depends(may(Permission.UPLOAD))]
Reviewer = Annotated[StaffSession, Depends(may(Permission.REVIEW))]
Reader = Annotated[StaffSession, Depends(may(Permission.READ_DOSSIERS))]
ImageReader = Annotated[StaffSession, Depends(may(Permission.READ_DOSSIERS, Permission.REVIEW))]
Searcher = Annotated[StaffSession, Depends(may(Permission.SEARCH))]
Admin = Annotated[StaffSession, Depends(may(Permission.MANAGE_CLIENTS))]
ReviewPost = Annotated[StaffSession, Depends(posting(Permission.REVIEW))]
AdminPost = Annotated[StaffSession, Depends(posting(Permission.MANAGE_CLIENTS))]


def install_errors(app: FastAPI) -> None:
    """Errors on /app pages as pages (or JSON for the pages' scripts); the API keeps its
    problem+json."""
    api_handler = app.exception_handlers[ServiceError]

    async def service_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceError)
        if not request.url.path.startswith("/app"):
            return await api_handler(request, exc)  # type: ignore[no-any-return,misc]
        return _error(request, exc.status, exc.detail)

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, WebRefusedError)
        return _error(request, exc.status, exc.message)

    async def sign_in_needed(request: Request, _exc: Exception) -> Response:
        if _wants_fragment(request):
            return JSONResponse({"error": "Phiên đăng nhập đã hết."}, 401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/app/signin?next={quote(target)}", 303)

    validation_handler = app.exception_handlers[RequestValidationError]

    async def invalid(request: Request, exc: Exception) -> Response:
        if not request.url.path.startswith("/app"):
            return await validation_handler(request, exc)  # type: ignore[no-any-return,misc]
        return _error(request, 422, "Dữ liệu gửi lên không hợp lệ.")

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(WebRefusedError, refused)
    app.add_exception_handler(SignInNeededError, sign_in_needed)


def _wants_fragment(request: Request) -> bool:
    return request.headers.get("x-requested-with") == "fetch"


def _error(request: Request, status: int, message: str) -> Response:
    if _wants_fragment(request):
        return JSONResponse({"error": message}, status)
    return _render(request, "error.html", _who(request), status, status=status, message=message)


def _who(request: Request) -> StaffSession | None:
    """The signed-in member of staff, for an error page's menu (None if not signed in)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    services: Services = request.app.state.services
    with services.sessions() as session:
        return staff.find_session(session, token)


# --- signing in and out ---------------------------------------------------------------


def _set_cookie(response: Response, services: Services, name: str, value: str,
                max_age: int | None) -> None:  # fmt: skip
    response.set_cookie(
        name, value, max_age=max_age, path="/app", httponly=True,
        secure=services.settings.web_secure_cookies, samesite="strict",
    )  # fmt: skip


def _safe_next(target: str | None) -> str:
    # Only a path of this application: never an address elsewhere.
    if target and target.startswith("/app") and not target.startswith("//"):
        return target
    return "/app"


@router.get("/signin")
def signin_page(request: Request, services: ServicesDep, me: MaybeStaff,
                next: str | None = None) -> Response:  # fmt: skip
    if me is not None:
        return RedirectResponse(_safe_next(next), 303)
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = _render(request, "signin.html", None, csrf=token, next=_safe_next(next))
    _set_cookie(response, services, CSRF_COOKIE, token, 3600)
    return response


@router.post("/signin")
def signin(
    request: Request,
    services: ServicesDep,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/app",
) -> Response:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not csrf or not secrets.compare_digest(csrf, cookie):
        staff.record_refusal(services.database, name or "?", "csrf", {"path": "/app/signin"})
        raise WebRefusedError(403, CSRF_MISSING)
    settings = services.settings
    try:
        signed = staff.sign_in(
            services.database, name, password, address=_address(request),
            session_hours=settings.web_session_hours,
            throttle=staff.Throttle(free_failures=settings.sign_in_free_failures),
        )  # fmt: skip
    except staff.SignInRefusedError as refused:
        status = 429 if refused.wait_seconds else 401
        response = _render(request, "signin.html", None, status, csrf=cookie, next=next,
                           name=name, error=refused.message)  # fmt: skip
        if refused.wait_seconds:
            response.headers["Retry-After"] = str(refused.wait_seconds)
        return response
    response = RedirectResponse(_safe_next(next), 303)
    hours = int(settings.web_session_hours * 3600)
    _set_cookie(response, services, SESSION_COOKIE, signed.token, hours)
    return response


@router.post("/signout")
async def signout(request: Request, services: ServicesDep, me: MaybeStaff) -> Response:
    me = signed_in(me)
    await csrf_ok(request, services, me)
    await run_in_threadpool(staff.sign_out, services.database, request.cookies[SESSION_COOKIE])
    response = RedirectResponse("/app/signin", 303)
    response.delete_cookie(SESSION_COOKIE, path="/app")
    return response


@router.get("")
@router.get("/")
def home(me: MaybeStaff) -> Response:
    me = signed_in(me)
    for key, _label, need in MENU:
        if allowed(me.role, need):
            return RedirectResponse(f"/app/{key}", 303)
    raise WebRefusedError(403, "Vai trò của bạn không có trang nào.")


# --- upload and batches ---------------------------------------------------------------


@router.get("/upload")
def upload_page(request: Request, me: Uploader) -> Response:
    return _render(request, "upload.html", me)


@router.post("/upload")
async def upload(request: Request, services: ServicesDep, me: Uploader) -> Response:
    """One file per request (the page sends each with its own progress bar)."""
    await csrf_ok(request, services, me)
    settings = services.settings
    received = await read_upload(
        request, settings.data_dir / "incoming",
        max_file_bytes=int(settings.max_upload_mb * 1_000_000),
        max_files=settings.max_upload_files,
    )  # fmt: skip
    try:
        mode = received.fields.get("mode", "stack")
        code = checked_dossier_code(received.fields.get("dossier_code")) if mode == "one" else None
    except Exception:
        discard_all(received.files)
        raise
    one = mode == "one"
    batch_id = await run_in_threadpool(_upload, services, received.files, me, code, one)
    return JSONResponse({"batch_id": batch_id, "url": f"/app/batches#batch-{batch_id}"}, 202)


def _upload(services: Services, files: list[ReceivedFile], me: StaffSession,
            code: str | None, one_dossier: bool) -> int:  # fmt: skip
    """All the files of one request are one batch; "one dossier" without a code is one
    dossier still, whose code is settled on the review page."""
    enqueue = functools.partial(enqueue_scans, services.settings)
    return usecases.upload(services, files, client=me.caller, dossier_code=code,
                           enqueue=enqueue, one_dossier=one_dossier)  # fmt: skip


def _batch_rows(session: Session, limit: int = 50) -> list[dict[str, Any]]:
    rows = []
    for batch in queries.list_batches(session, limit=limit, offset=0):
        progress = queries.batch_progress(session, batch)
        documents = {f.scan_id: queries.documents_of_scan(session, f.scan_id) for f in batch.files}
        rows.append({"batch": batch, "progress": progress, "documents": documents})
    return rows


@router.get("/batches")
def batches_page(request: Request, session: SessionDep, me: Reviewer) -> Response:
    rows = _batch_rows(session)
    if _wants_fragment(request):
        return _render(request, "batch_rows.html", me, rows=rows)
    return _render(request, "batches.html", me, rows=rows)


@router.get("/batches/{batch_id}/status")
def batch_status(batch_id: int, session: SessionDep, _me: Reviewer) -> JSONResponse:
    batch = queries.get_batch(session, batch_id)
    progress = queries.batch_progress(session, batch)
    return JSONResponse({"id": batch.id, "status": batch.status.value, **asdict(progress)})


@router.post("/batches/{batch_id}/retry")
def retry(batch_id: int, services: ServicesDep, me: ReviewPost) -> Response:
    enqueue = functools.partial(enqueue_scans, services.settings)
    usecases.retry_batch(services, batch_id, actor=me.actor, enqueue=enqueue)
    return RedirectResponse(f"/app/batches#batch-{batch_id}", 303)


# --- review ---------------------------------------------------------------------------


@router.get("/review")
def review_queue(request: Request, session: SessionDep, me: Reviewer) -> Response:
    return _render(request, "queue.html", me, items=staffreview.review_queue(session))


def _page_sizes(session: Session, document: Document) -> dict[int, tuple[int, int]]:
    """Width and height of each page as the boxes of its fields count them: read out of
    the pages' reports by the database (one query; a whole report holds every line)."""
    rows = session.execute(
        select(
            Page.number, Page.report["width"].as_float(), Page.report["height"].as_float()
        ).where(Page.scan_id == document.scan_id, Page.number.in_(document.pages))
    )
    found = {number: (int(width or 0), int(height or 0)) for number, width, height in rows}
    return {n: found.get(page, (0, 0)) for n, page in enumerate(document.pages, start=1)}


@router.get("/review/{document_id}")
def review_page(
    request: Request, document_id: int, services: ServicesDep, session: SessionDep,
    me: Reviewer,
) -> Response:  # fmt: skip
    document = queries.get_document(session, document_id)
    catalogue = services.knowledge.catalogue
    return _render(
        request, "review.html", me,
        document=document,
        open_items=staffreview.open_items(session, document),
        sizes=_page_sizes(session, document),
        next_document=staffreview.next_in_queue(session, document),
        document_types=sorted(catalogue.document_types.values(), key=lambda d: d.name),
        procedures=sorted(catalogue.procedures.values(), key=lambda p: p.name),
        in_dossier=document.dossier_id is not None,
        labels=_labels(services, document),
        dossier=session.get(Dossier, document.dossier_id) if document.dossier_id else None,
        waiting=None if document.dossier_id else staffreview.waiting_batch(session, document),
    )  # fmt: skip


def _labels(services: Services, document: Document) -> dict[str, str]:
    """Each field's label as printed on the form, from the catalogue."""
    doc_type = services.knowledge.catalogue.document_types.get(document.doc_type)
    if doc_type is None:
        return {}
    return {spec.name: spec.labels[0] for spec in doc_type.fields if spec.labels}


@router.post("/review/{document_id}/field")
def review_field(
    document_id: int,
    services: ServicesDep,
    me: ReviewPost,
    name: Annotated[str, Form(max_length=80)],
    action: Annotated[str, Form(pattern="^(confirm|correct)$")],
    value: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if action == "confirm":
        with services.sessions() as session:
            document = queries.get_document(session, document_id)
            field = next((f for f in document.fields if f.name == name), None)
            if field is None:
                raise NotFoundError(f"tài liệu {document_id} không có trường {name}")
            chosen: Any = field.current_value
    else:
        chosen = value.strip() or None
    staffreview.settle_field(services, document_id, name, chosen, staff=me)
    return RedirectResponse(f"/app/review/{document_id}?after={quote(name)}", 303)


@router.post("/review/{document_id}/cell")
def review_cell(
    document_id: int,
    services: ServicesDep,
    me: ReviewPost,
    table: Annotated[str, Form(max_length=80)],
    row: Annotated[int, Form(ge=1, le=10_000)],
    column: Annotated[str, Form(max_length=80)],
    action: Annotated[str, Form(pattern="^(confirm|correct)$")],
    value: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """A table cell confirmed or corrected (issue 13)."""
    chosen: Any = value.strip() or None
    if action == "confirm":
        with services.sessions() as session:
            document = queries.get_document(session, document_id)
            found = next((t for t in document.tables or [] if t.get("name") == table), None)
            rows = found.get("rows", []) if found else []
            cell = rows[row - 1].get(column) if row <= len(rows) else None
            if not isinstance(cell, dict):
                raise NotFoundError(f"tài liệu {document_id} không có ô {table} dòng {row}")
            chosen = (cell.get("corrected") or {}).get("value", cell.get("value"))
    staffreview.settle_cell(services, document_id, table, row, column, chosen, staff=me)
    return RedirectResponse(f"/app/review/{document_id}#table-{quote(table)}", 303)


@router.post("/review/{document_id}/document")
def review_document(
    document_id: int,
    services: ServicesDep,
    me: ReviewPost,
    doc_type: Annotated[str, Form(max_length=80)] = "",
    procedure: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    staffreview.settle_document(services, document_id, doc_type=doc_type or None,
                                procedure=procedure or None, staff=me)  # fmt: skip
    return RedirectResponse(f"/app/review/{document_id}", 303)


@router.post("/review/{document_id}/dossier")
def review_dossier(
    document_id: int,
    services: ServicesDep,
    me: ReviewPost,
    code: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    staffreview.settle_dossier(services, document_id, code, staff=me)
    return RedirectResponse(f"/app/review/{document_id}", 303)


# --- page images and PDFs -------------------------------------------------------------


@router.get("/documents/{document_id}/pages/{number}.jpg")
def page_image(
    request: Request, document_id: int, number: int, services: ServicesDep,
    session: SessionDep, _me: ImageReader, size: str = "preview",
) -> Response:  # fmt: skip
    """The stored, sized preview (1600 px) or thumbnail of a page, cached by the browser:
    a review page never loads a whole scan."""
    document = queries.get_document(session, document_id)
    page = queries.document_page(session, document, number)
    key = page.thumbnail_key if size == "thumbnail" else page.preview_key
    if key is None:
        raise NotFoundError(f"trang {number} không có ảnh")
    etag = f'"{key}"'  # stored once under a name of its own: the key is its version
    headers = {"ETag": etag, "Cache-Control": "private, max-age=86400"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    with services.store.open(key) as handle:
        return Response(handle.read(), media_type="image/jpeg", headers=headers)


@router.get("/documents/{document_id}/pdf")
def document_pdf(document_id: int, services: ServicesDep, session: SessionDep,
                 _me: Reader) -> Response:  # fmt: skip
    document = queries.get_document(session, document_id)
    if document.pdf_key is None:
        raise NotFoundError("tài liệu này không có tệp PDF")
    handle = services.store.open(document.pdf_key)

    def chunks() -> Iterator[bytes]:  # streamed: a document's PDF can be large
        with handle:
            while chunk := handle.read(1 << 16):
                yield chunk

    headers = {
        "Content-Disposition": f'inline; filename="tai-lieu-{document.id}.pdf"',
        "Content-Length": str(services.store.size(document.pdf_key)),
    }
    return StreamingResponse(chunks(), media_type="application/pdf", headers=headers)


# --- dossiers and search --------------------------------------------------------------


@router.get("/dossiers")
def dossiers_page(request: Request, session: SessionDep, me: Reader,
                  code: str | None = None) -> Response:  # fmt: skip
    if code:
        return RedirectResponse(f"/app/dossiers/{quote(code.strip())}", 303)
    dossiers = list(session.scalars(select(Dossier).order_by(Dossier.id.desc()).limit(100)))
    return _render(request, "dossiers.html", me, dossiers=dossiers)


@router.get("/dossiers/{code}")
def dossier_page(
    request: Request, code: str, session: SessionDep, services: ServicesDep, me: Reader
) -> Response:
    dossier = queries.get_dossier(session, code)
    history: list[AuditEntry] = entries_for(session, "dossier", dossier.code)
    for attachment in dossier.attachments:
        history += entries_for(session, "document", attachment.document_id)
    history.sort(key=lambda e: (e.at, e.id))
    usecases.note_dossier_read(services, me.actor, dossier.code, via="staff pages")
    return _render(request, "dossier.html", me, dossier=dossier, history=history)


@router.get("/search")
def search_page(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    me: Searcher,
    q: Annotated[str, Query(max_length=500)] = "",
    procedure: str = "",
    doc_type: str = "",
    receiving_unit: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    offset: Annotated[int, Query(ge=0, le=searching.MAX_OFFSET)] = 0,
) -> Response:
    results = None
    if q.strip():
        results = usecases.search(
            session, q, procedure=procedure or None, doc_type=doc_type or None,
            receiving_unit=receiving_unit or None, date_from=date_from, date_to=date_to,
            limit=20, offset=offset,
        )  # fmt: skip
    catalogue = services.knowledge.catalogue
    return _render(
        request, "search.html", me, q=q, results=results, offset=offset,
        filters={"procedure": procedure, "doc_type": doc_type,
                 "receiving_unit": receiving_unit, "date_from": date_from or "",
                 "date_to": date_to or ""},
        document_types=sorted(catalogue.document_types.values(), key=lambda d: d.name),
        procedures=sorted(catalogue.procedures.values(), key=lambda p: p.name),
    )  # fmt: skip


# --- administration -------------------------------------------------------------------


@router.get("/admin")
def admin_page(request: Request, session: SessionDep, services: ServicesDep,
               me: Admin) -> Response:  # fmt: skip
    return _admin(request, session, services, me, message=request.query_params.get("msg"))


def _admin(request: Request, session: Session, services: Services, me: StaffSession,
           status_code: int = 200, **shown: Any) -> Response:  # fmt: skip
    catalogue = services.knowledge.catalogue
    clients = usecases.list_clients(session)
    response = _render(
        request, "admin.html", me, status_code,
        users=staff.list_users(session),
        clients=clients,
        subscribers=[c for c in clients
                     if c.revoked_at is None and allowed(c.role, Permission.WEBHOOKS)],
        webhooks=list(session.scalars(
            select(Webhook).where(Webhook.active).order_by(Webhook.id))),
        events=webhooks.EVENTS,
        procedures=sorted(catalogue.procedures.values(), key=lambda p: p.key),
        document_types=sorted(catalogue.document_types.values(), key=lambda d: d.key),
        corrections=staffreview.corrections_count(services),
        retrain=_retrain_state(services),
        roles=list(Role),
        **shown,
    )  # fmt: skip
    if "key" in shown or "secret" in shown:
        response.headers["Cache-Control"] = "no-store"  # shown once: kept by no cache
    return response


# What went wrong with an administrator's form, said for staff.
_ADMIN_ERRORS: list[tuple[type[ServiceError], str]] = [
    (RefusedDestinationError, "Địa chỉ webhook bị từ chối"),
    (ConflictError, "Đã có một ứng dụng mang tên này"),
    (NotFoundError, "Không tìm thấy"),
    (InvalidInputError, "Dữ liệu không hợp lệ"),
]


def _admin_refused(request: Request, services: Services, me: StaffSession,
                   exc: ServiceError) -> Response:  # fmt: skip
    said = next((text for kind, text in _ADMIN_ERRORS if isinstance(exc, kind)), "Không làm được")
    with services.sessions() as session:
        return _admin(request, session, services, me, exc.status, error=f"{said}: {exc.detail}")


@router.post("/admin/clients")
def admin_create_client(
    request: Request,
    services: ServicesDep,
    me: AdminPost,
    name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=16)],
) -> Response:
    """A new API client; its key is shown on this answer only (no-store), never again."""
    try:
        client, key = usecases.add_client(services.database, name, role, actor=me.actor)
    except ServiceError as exc:
        return _admin_refused(request, services, me, exc)
    with services.sessions() as session:
        return _admin(request, session, services, me, key=key, key_for=client.name,
                      message=f"Đã tạo ứng dụng {client.name}.")  # fmt: skip


@router.post("/admin/clients/{client_id}/revoke")
def admin_revoke_client(client_id: int, services: ServicesDep, me: AdminPost) -> Response:
    client = usecases.remove_client(services.database, client_id, actor=me.actor)
    return RedirectResponse("/app/admin?msg=" + quote(f"Đã thu hồi khoá của {client.name}."), 303)


@router.post("/admin/webhooks")
def admin_add_webhook(
    request: Request,
    services: ServicesDep,
    me: AdminPost,
    client_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    url: Annotated[str, Form(max_length=2000)],
) -> Response:
    """A webhook for a client that may have one, through the same use case as the API's
    (so the same destination checks); its signing secret is shown on this answer only."""
    try:
        with services.sessions() as session:
            client = session.get(ApiClient, client_id)
            if client is None or client.revoked_at is not None:
                raise NotFoundError(f"ứng dụng {client_id} (hoặc khoá đã bị thu hồi)")
            if not allowed(client.role, Permission.WEBHOOKS):
                raise InvalidInputError(
                    f"ứng dụng {client.name} có vai trò {ROLE_NAMES[Role(client.role)]}, "
                    "không nhận webhook (cần vai trò Một cửa)"
                )
        hook = usecases.add_webhook(services, client, url.strip(), None, actor=me.actor)
    except ServiceError as exc:
        return _admin_refused(request, services, me, exc)
    with services.sessions() as session:
        return _admin(request, session, services, me, secret=hook.secret, secret_for=hook.url,
                      message=f"Đã đăng ký webhook cho {client.name}.")  # fmt: skip


@router.post("/admin/webhooks/{hook_id}/delete")
def admin_delete_webhook(hook_id: int, services: ServicesDep, me: AdminPost) -> Response:
    with services.sessions() as session:
        hook = session.get(Webhook, hook_id)
        if hook is None:
            raise NotFoundError(f"không có webhook {hook_id}")
        client = hook.client
    usecases.remove_webhook(services, client, hook_id, actor=me.actor)
    return RedirectResponse("/app/admin?msg=" + quote("Đã xoá webhook."), 303)


@router.post("/admin/users")
def admin_create_user(
    services: ServicesDep,
    me: AdminPost,
    name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=16)],
    password: Annotated[str, Form(max_length=1000)],
) -> Response:
    staff.create_user(services.database, name, role, password, actor=me.actor)
    return RedirectResponse("/app/admin?msg=" + quote("Đã tạo tài khoản."), 303)


@router.post("/admin/users/{user_id}/{change}")
def admin_disable_user(user_id: int, change: str, services: ServicesDep,
                       me: AdminPost) -> Response:  # fmt: skip
    if change not in ("disable", "enable"):
        raise NotFoundError("không có thao tác này")
    if user_id == me.user_id:  # an administrator never locks themself out
        raise InvalidInputError("không thể khoá hay mở khoá tài khoản của chính mình")
    staff.set_disabled(services.database, user_id, change == "disable", actor=me.actor)
    return RedirectResponse("/app/admin", 303)


@router.post("/admin/retrain")
def admin_retrain(services: ServicesDep, me: AdminPost) -> Response:
    """Queue the retraining (a worker runs it); a second press while one is queued or
    running shows that one instead of starting another."""
    try:
        _job, queued = work.enqueue_retrain(services.settings, me.actor)
    except RedisError:
        raise WebRefusedError(503, "Không kết nối được hàng đợi công việc; thử lại sau.") from None
    said = (
        "Đã xếp việc học lại vào hàng đợi."
        if queued
        else "Việc học lại đang chạy; chưa bắt đầu lần nữa."
    )
    return RedirectResponse(f"/app/admin?msg={quote(said)}#retrain", 303)


def _retrain_state(services: Services) -> dict[str, Any]:
    """The latest retraining as the admin page shows it."""
    try:
        job = work.last_retrain(services.settings)
        if job is None:
            return {"state": "none"}
        found = job.get_status(refresh=True)
        status = str(getattr(found, "value", found) or "")
        result = job.return_value() if status == "finished" else None
    except RedisError:
        return {"state": "unknown"}
    when = job.ended_at or job.started_at or job.enqueued_at
    state: dict[str, Any] = {"state": status, "by": (job.args or ["?"])[0], "at": when}
    if isinstance(result, dict):
        state.update(examples=result.get("examples"), error=result.get("error"))
    return state
