"""Reading a multipart upload as it streams in: each file straight to disk, never whole
in memory, refused the moment it passes its size limit. Everything else is bounded too
(plain fields in number and size, headers in number; python-multipart bounds
the size of each header), and refused the moment
it passes its bound, so no body, however built, grows the server's memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from service.errors import InvalidInputError, PayloadTooLargeError
from service.ingest import ReceivedFile, Spool, discard_all, safe_filename

_MAX_FIELD_BYTES = 10_000  # a plain form field (dossier_code): small by nature
_MAX_PART_HEADERS = 16
_FILE_FIELD = "files"


@dataclass
class Upload:
    files: list[ReceivedFile] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class _Part:
    headers: dict[str, str] = field(default_factory=dict)
    name: str = ""
    spool: Spool | None = None
    value: bytearray = field(default_factory=bytearray)


class _Reader:
    def __init__(self, folder: Path, max_file_bytes: int, max_files: int, max_fields: int) -> None:
        self.folder = folder
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self.max_fields = max_fields
        self.field_count = 0
        self.upload = Upload()
        self.part = _Part()
        self._header_field = bytearray()
        self._header_value = bytearray()
        self.spools: list[Spool] = []

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda d, s, e: self._header_field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self.part = _Part()

    def _header_end(self) -> None:
        if len(self.part.headers) >= _MAX_PART_HEADERS:
            raise PayloadTooLargeError("a part has too many headers")
        name = self._header_field.decode("latin-1").strip().lower()
        # Latin-1 keeps every byte: clients send file names as raw UTF-8 in this header.
        self.part.headers[name] = self._header_value.decode("latin-1")
        self._header_field.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        disposition = self.part.headers.get("content-disposition", "")
        _, options = parse_options_header(disposition)
        self.part.name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename is None:
            self.field_count += 1
            if self.field_count > self.max_fields:
                raise PayloadTooLargeError(
                    f"more than {self.max_fields} plain fields in one upload"
                )
            return
        if self.part.name != _FILE_FIELD:
            raise InvalidInputError(f"files go in the form field {_FILE_FIELD!r}")
        if len(self.upload.files) + len(self.spools) >= self.max_files:
            raise PayloadTooLargeError(f"more than {self.max_files} files in one upload")
        name = safe_filename(_decode_name(filename))
        spool = Spool(self.folder, self.max_file_bytes, name)
        self.part.spool = spool
        self.spools.append(spool)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self.part.spool is not None:
            self.part.spool.write(data[start:end])
            return
        self.part.value.extend(data[start:end])
        if len(self.part.value) > _MAX_FIELD_BYTES:
            raise PayloadTooLargeError(f"form field {self.part.name!r} is too long")

    def _part_end(self) -> None:
        spool = self.part.spool
        if spool is None:
            self.upload.fields[self.part.name] = self.part.value.decode("utf-8", "replace")
            return
        self.spools.remove(spool)
        self.upload.files.append(spool.finish())

    def discard(self) -> None:
        for spool in self.spools:
            spool.discard()
        discard_all(self.upload.files)


def _decode_name(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


async def read_upload(
    request: Request, folder: Path, *, max_file_bytes: int, max_files: int, max_fields: int = 16
) -> Upload:
    """The files (spooled to `folder`) and plain fields of a multipart/form-data request.

    On any problem every spooled file is removed before the error is raised.
    """
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise InvalidInputError("send the scans as multipart/form-data, in the field 'files'")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_files * (max_file_bytes + 4096):
        raise PayloadTooLargeError("the upload is larger than the limits allow")
    reader = _Reader(folder, max_file_bytes, max_files, max_fields)
    parser = MultipartParser(boundary, reader.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
        if reader.spools:
            raise InvalidInputError("the upload ended in the middle of a file")
    except MultipartParseError as exc:
        reader.discard()
        raise InvalidInputError(f"the multipart body cannot be read ({exc})") from None
    except BaseException:
        reader.discard()
        raise
    return reader.upload
