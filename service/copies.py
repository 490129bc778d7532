"""Digitised copies with legal value (issue 19), for the service and the command line:
the unit's signer from the settings, each document's copy options, checking a stored
document's signature, and a dossier's package for the archive.
"""

from __future__ import annotations

import getpass
import io
import json
import logging
import zipfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from cryptography import x509

from config import Settings
from digitize import __version__
from digitize.pdf.pdfa_check import pdfa_problems
from digitize.pdf.sign import (
    SignatureCheck,
    SigningError,
    UnitSigner,
    check_certificate,
    check_signature,
)
from digitize.records import CopyOptions
from digitize.understand.catalogue import Catalogue
from models import Document, Dossier
from storage import BlobStore, CorruptObjectError

log = logging.getLogger(__name__)

UNKNOWN_UNIT = "(chưa khai báo đơn vị)"


@cache
def _load(p12: Path, password: str | None) -> UnitSigner:
    return UnitSigner.load(p12, password)


def unit_signer(settings: Settings) -> UnitSigner | None:
    """The unit's signer when DIGITIZE_SIGNING_P12 is set (loaded and checked once per
    process); SigningError, with the reason, when it cannot be used."""
    if settings.signing_p12 is None:
        return None
    password = settings.signing_password.get_secret_value() if settings.signing_password else None
    signer = _load(settings.signing_p12, password)
    check_certificate(signer.certificate)  # again on each use: a process may outlive it
    return signer


def unit_name(settings: Settings, signer: UnitSigner | None) -> str:
    """The converting unit: as set, else the organisation its certificate names."""
    if settings.unit_name:
        return settings.unit_name
    if signer is not None:
        summary = signer.summary
        return summary.organisation or summary.common_name
    return UNKNOWN_UNIT


def copy_options(
    settings: Settings,
    *,
    digitised_by: str | None,
    catalogue: Catalogue | None,
    signer: UnitSigner | None,
) -> CopyOptions:
    """The copy options for documents digitised by `digitised_by` (the staff account or
    API client; the command line passes its operator, else the login name)."""
    person = digitised_by or settings.operator or _login_name()
    return CopyOptions(unit_name(settings, signer), person, catalogue, signer)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        return "(không rõ)"


def trust_roots(settings: Settings, signer: UnitSigner | None) -> list[x509.Certificate]:
    """The CA roots `verify` trusts: DIGITIZE_SIGNING_TRUST, else the unit's own chain."""
    if settings.signing_trust is not None:
        try:
            return x509.load_pem_x509_certificates(settings.signing_trust.read_bytes())
        except (OSError, ValueError) as exc:
            raise SigningError(f"cannot read trust roots {settings.signing_trust}: {exc}") from None
    return signer.trust_roots() if signer is not None else []


def verification_roots(settings: Settings) -> list[x509.Certificate]:
    """The roots to verify against; none (trust not judged) when the unit's certificate
    cannot be loaded: an expired one must not stop anyone checking old signatures."""
    try:
        signer = unit_signer(settings) if settings.signing_trust is None else None
        return trust_roots(settings, signer)
    except SigningError as exc:
        log.warning("signatures are checked without trust roots: %s", exc)
        return []


def verify_bytes(data: bytes, roots: Sequence[x509.Certificate]) -> SignatureCheck:
    """Signature and PDF/A of one file."""
    check = check_signature(data, trust_roots=roots)
    problems = pdfa_problems(data)
    if problems is not None:
        check.pdfa = not problems
        check.pdfa_problems = problems
    return check


def verify_stored(store: BlobStore, key: str, roots: Sequence[x509.Certificate]) -> SignatureCheck:
    """`verify_bytes` of a stored document. Bytes changed behind the store's back are
    refused by the store's checksum before any signature is read: the answer is then
    that the file is not intact, which is what a verifier asks."""
    try:
        data = read_blob(store, key)
    except CorruptObjectError as exc:
        log.error("stored document changed after it was written: %s", exc)
        return SignatureCheck(
            signed=False,
            problems=["the stored file's bytes differ from those written (store checksum)"],
        )
    return verify_bytes(data, roots)


def read_blob(store: BlobStore, key: str) -> bytes:
    with store.open(key) as handle:
        return handle.read()


# --- the archive package ---------------------------------------------------------------


class _Chunks(io.RawIOBase):
    """A write-only stream whose bytes are taken away as they come (zip output to a
    response: the package is never whole in memory)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def _document_entry(position: int, document: Document) -> dict[str, Any]:
    copy = document.copy_info or {}
    return {
        "position": position,
        "id": document.id,
        "file": f"{position:02d}-{document.doc_type}.pdf" if document.pdf_key else None,
        "doc_type": document.doc_type,
        "doc_type_name": document.doc_type_name,
        "pages": len(document.pages),
        "sha256": document.checksum,
        "metadata": copy.get("metadata"),
        "signature": copy.get("signature"),
    }


def package_manifest(dossier: Dossier) -> dict[str, Any]:
    return {
        "format": "digitize-dossier-package/1",
        "producer": f"digitize {__version__}",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "dossier": {
            "code": dossier.code,
            "procedure": dossier.procedure,
            "procedure_code": dossier.procedure_code,
            "applicant_name": dossier.applicant_name,
            "applicant_id_number": dossier.applicant_id_number,
            "receiving_unit": dossier.receiving_unit,
            "received_date": dossier.received_date.isoformat() if dossier.received_date else None,
        },
        "documents": [
            _document_entry(n, a.document) for n, a in enumerate(dossier.attachments, start=1)
        ],
    }


def _manifest_xml(manifest: dict[str, Any]) -> bytes:
    """The same manifest as XML, for archive systems that take XML."""
    root = ET.Element("hoSo", {"format": manifest["format"], "producer": manifest["producer"]})
    for key, value in manifest["dossier"].items():
        ET.SubElement(root, key).text = "" if value is None else str(value)
    documents = ET.SubElement(root, "taiLieu")
    for entry in manifest["documents"]:
        item = ET.SubElement(documents, "giayTo", {"position": str(entry["position"])})
        for key in ("id", "file", "doc_type", "doc_type_name", "pages", "sha256"):
            ET.SubElement(item, key).text = "" if entry[key] is None else str(entry[key])
        meta = ET.SubElement(item, "metadata")
        for key, value in (entry["metadata"] or {}).items():
            ET.SubElement(meta, key).text = str(value)
        signature = entry["signature"] or {}
        if signature:
            signed = ET.SubElement(item, "signature", {"signed_at": signature["signed_at"]})
            signed.text = signature["signer"]["name"]
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def dossier_package(dossier: Dossier, store: BlobStore) -> Iterator[bytes]:
    """A zip of the dossier's documents' PDFs (as stored: signed) and its manifest
    (manifest.json and manifest.xml), produced piece by piece.

    Everything read from the database is read here, before the first byte: a response
    streams the result after the request's session may have closed.
    """
    manifest = package_manifest(dossier)
    files = [
        (attachment.document.pdf_key, entry["file"])
        for attachment, entry in zip(dossier.attachments, manifest["documents"], strict=True)
        if attachment.document.pdf_key is not None
    ]
    return _zip_stream(manifest, files, store)


def _zip_stream(
    manifest: dict[str, Any], files: list[tuple[str, str]], store: BlobStore
) -> Iterator[bytes]:
    sink = _Chunks()
    with zipfile.ZipFile(sink, "w") as archive:
        for key, name in files:
            # PDFs are compressed already: stored as they are, byte for byte.
            with store.open(key) as source, archive.open(zipfile.ZipInfo(name), "w") as target:
                while chunk := source.read(1 << 16):
                    target.write(chunk)
                    yield sink.take()
        text = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        archive.writestr("manifest.json", text, compress_type=zipfile.ZIP_DEFLATED)
        xml = _manifest_xml(manifest)
        archive.writestr("manifest.xml", xml, compress_type=zipfile.ZIP_DEFLATED)
    yield sink.take()
