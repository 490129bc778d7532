"""The unit's digital signature on a document's PDF (PAdES), and checking one.

Everything that touches pyHanko is here. A signature is an incremental update: the
bytes of the PDF/A file as written stay as they are, and a signature field, its
signature dictionary and the CMS (ETSI.CAdES.detached) are appended. pyHanko would
also rewrite the document information and the XMP packet in that update, with
producer strings that disagree with each other, which PDF/A forbids; the writer here
leaves both as they were (the signature's own time is in the signature).
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import os
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from digitize.errors import DigitizeError

log = logging.getLogger(__name__)

# pyHanko imports cryptography's DSA module, which warns on import; nothing here uses DSA
# and the warning would reach every user of `digitize verify`.
warnings.filterwarnings("ignore", message="DSA is deprecated", module="pyhanko")

FIELD_NAME = "DigitizeUnitSignature"


class SigningError(DigitizeError):
    """The unit's certificate cannot be used, or a signature could not be made."""


@dataclass(frozen=True)
class CertificateSummary:
    """Who a certificate names, and for how long it is valid."""

    common_name: str
    organisation: str
    serial: str
    not_before: datetime
    not_after: datetime
    issuer: str

    @property
    def name(self) -> str:
        """The signer as people read it: organisation, then common name if different."""
        if self.organisation and self.organisation != self.common_name:
            return f"{self.common_name} ({self.organisation})"
        return self.common_name or self.organisation

    def as_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "common_name": self.common_name,
            "organisation": self.organisation,
            "serial": self.serial,
            "issuer": self.issuer,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
        }


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def summarise(cert: x509.Certificate) -> CertificateSummary:
    return CertificateSummary(
        common_name=_attribute(cert.subject, NameOID.COMMON_NAME),
        organisation=_attribute(cert.subject, NameOID.ORGANIZATION_NAME),
        serial=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        issuer=_attribute(cert.issuer, NameOID.COMMON_NAME)
        or _attribute(cert.issuer, NameOID.ORGANIZATION_NAME),
    )


def check_certificate(cert: x509.Certificate, now: datetime | None = None) -> None:
    """SigningError unless `cert` is valid now and may sign documents.

    Signing needs the digitalSignature or nonRepudiation (contentCommitment) key
    usage; a certificate without the extension is not restricted (RFC 5280).
    """
    now = now or datetime.now(UTC)
    summary = summarise(cert)
    if now < cert.not_valid_before_utc:
        raise SigningError(
            f"the unit's certificate ({summary.name}) is not valid before "
            f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC"
        )
    if now > cert.not_valid_after_utc:
        raise SigningError(
            f"the unit's certificate ({summary.name}) expired on "
            f"{cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC; install the renewed one"
        )
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise SigningError(
            f"the unit's certificate ({summary.name}) is not for signing: its key usage "
            "has neither digitalSignature nor nonRepudiation"
        )


@dataclass(frozen=True)
class UnitSigner:
    """The unit's key and certificate chain, checked, ready to sign with."""

    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    _key_der: bytes = field(repr=False)

    @property
    def summary(self) -> CertificateSummary:
        return summarise(self.certificate)

    @classmethod
    def load(cls, p12: Path, password: str | None, *, now: datetime | None = None) -> UnitSigner:
        """Read a PKCS#12 file and check its certificate (SigningError with the reason)."""
        try:
            data = Path(p12).read_bytes()
        except OSError as error:
            raise SigningError(
                f"cannot read the unit's certificate file {p12}: {error.strerror}"
            ) from None
        secret = password.encode("utf-8") if password else None
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, secret)
        except ValueError:
            raise SigningError(f"{p12}: not a PKCS#12 file, or the password is wrong") from None
        if key is None or cert is None:
            raise SigningError(f"{p12}: holds no private key and certificate")
        check_certificate(cert, now)
        key_der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return cls(cert, tuple(extra or ()), key_der)

    def trust_roots(self) -> list[x509.Certificate]:
        """The self-signed certificates of the chain the file carries (its CA roots)."""
        return [c for c in self.chain if c.issuer == c.subject]

    def _pyhanko_signer(self) -> object:
        return _pyhanko_signer(self)


@functools.cache
def _pyhanko_signer(unit: UnitSigner) -> object:
    """pyHanko's signer for `unit`, made once, holding the loaded key.

    pyHanko's SimpleSigner decodes (and, for RSA, validates) the private key on every
    signature, twice per file (a dry run sizes the signature): 2 x 62 ms of a 270 ms
    signature measured here. This one loads the key once and signs with it directly for
    the usual mechanisms, leaving the others to pyHanko.
    """
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    private_key = serialization.load_der_private_key(unit._key_der, password=None)

    class _LoadedKeySigner(signers.SimpleSigner):  # type: ignore[misc]
        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            try:
                algorithm = mechanism.signature_algo  # e.g. sha256_rsa -> rsassa_pkcs1v15
            except ValueError:
                algorithm = mechanism["algorithm"].native
            hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
            if algorithm == "rsassa_pkcs1v15" and isinstance(private_key, RSAPrivateKey):
                return private_key.sign(data, PKCS1v15(), hash_algorithm)
            if algorithm == "ecdsa" and isinstance(private_key, EllipticCurvePrivateKey):
                return private_key.sign(data, ECDSA(hash_algorithm))
            result: bytes = super().sign_raw(data, digest_algorithm)
            return result

    def der(cert: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    return _LoadedKeySigner(
        signing_cert=der(unit.certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(unit._key_der),
        cert_registry=SimpleCertificateStore.from_certs([der(c) for c in unit.chain]),
    )


@dataclass(frozen=True)
class SignatureRequest:
    """What the signature says besides who signs: why, where, and the signer's name."""

    reason: str = "Xác nhận bản số hóa từ văn bản giấy"
    location: str = ""
    name: str = ""  # default: the certificate's name


def _writer(handle: io.BufferedRandom) -> object:
    """pyHanko's incremental writer, told to leave the document's metadata alone."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    class _KeepMetadata(IncrementalPdfFileWriter):  # type: ignore[misc]
        def _update_meta(self) -> None:
            # PDF/A: the info dictionary and the XMP must agree; pyHanko's update
            # would write different producers into each. Leave both as written.
            return

    return _KeepMetadata(handle, strict=False)


def sign_file(path: Path, signer: UnitSigner, request: SignatureRequest | None = None) -> datetime:
    """Sign the PDF at `path` in place (an incremental update); returns the signing time.

    The caller writes to a temporary file and renames it afterwards, so a reader
    never sees a half-signed file. SigningError if pyHanko refuses.
    """
    from pyhanko.sign import fields, signers

    request = request or SignatureRequest()
    signed_at = datetime.now(UTC).replace(microsecond=0)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=request.reason or None,
        location=request.location or None,
        name=request.name or signer.summary.name,
    )
    try:
        with Path(path).open("r+b") as handle:
            writer = _writer(handle)
            pdf_signer = signers.PdfSigner(meta, signer=signer._pyhanko_signer(), timestamper=None)
            pdf_signer.sign_pdf(writer, in_place=True)
            handle.flush()
            os.fsync(handle.fileno())
    except SigningError:
        raise
    except Exception as error:  # pyHanko raises many types; none may reach the user raw
        log.debug("signing failed", exc_info=error)
        raise SigningError(f"signing {Path(path).name} failed: {error}") from error
    return signed_at


# --- verification ----------------------------------------------------------------------


@contextlib.contextmanager
def _quiet_pyhanko() -> Iterator[None]:
    """pyHanko logs a traceback (as a warning) for every certificate path it cannot
    build; without trust roots that is every signature. The result says it instead."""
    loggers = [logging.getLogger(name) for name in ("pyhanko", "pyhanko_certvalidator")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@dataclass
class SignatureCheck:
    """What a verifier wants to know of one file."""

    signed: bool
    intact: bool = False  # the signed bytes are unchanged and the signature is valid
    changed_after_signing: bool = False  # bytes were added after the signature
    signer: CertificateSummary | None = None
    signed_at: datetime | None = None
    trusted: bool | None = None  # None: no trust roots given
    pdfa: bool | None = None  # None: not checked
    pdfa_problems: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Signed, intact, nothing after the signature, and trusted if roots were given."""
        return (
            self.signed
            and self.intact
            and not self.changed_after_signing
            and (self.trusted is not False)
        )

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "signed": self.signed,
            "intact": self.intact,
            "changed_after_signing": self.changed_after_signing,
            "signer": self.signer.as_json() if self.signer else None,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "trusted": self.trusted,
            "pdfa": self.pdfa,
            "pdfa_problems": self.pdfa_problems,
            "problems": self.problems,
        }


def _from_asn1(cert: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())


def check_signature(data: bytes, *, trust_roots: Sequence[x509.Certificate] = ()) -> SignatureCheck:
    """Check the last signature of a PDF held in `data` (no network: no revocation
    fetching, no timestamps). Never raises for a damaged file: it says so instead."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:
        return SignatureCheck(signed=False, problems=[f"not a readable PDF: {error}"])
    if not signatures:
        return SignatureCheck(signed=False, problems=["the file carries no signature"])
    embedded = signatures[-1]
    check = SignatureCheck(signed=True)
    roots = [
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in trust_roots
    ]
    context = ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
    )
    try:
        with _quiet_pyhanko():
            status = validate_pdf_signature(embedded, signer_validation_context=context)
    except (SignatureValidationError, ValueError, KeyError, TypeError) as error:
        check.problems.append(f"the signature cannot be checked: {error}")
        return check
    except Exception as error:  # a damaged CMS can raise anything from asn1crypto
        check.problems.append(f"the signature cannot be checked: {type(error).__name__}")
        return check
    check.intact = bool(status.intact and status.valid)
    if not status.intact:
        check.problems.append("the signed bytes were changed after signing")
    elif not status.valid:
        check.problems.append("the signature does not match the signer's key")
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    check.changed_after_signing = not status.intact or (
        status.coverage != SignatureCoverageLevel.ENTIRE_FILE
    )
    if status.intact and status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        check.problems.append("the file was changed after signing (an update was appended)")
    with contextlib.suppress(Exception):
        check.signer = summarise(_from_asn1(status.signing_cert))
    check.signed_at = status.signer_reported_dt
    if roots:
        check.trusted = bool(status.trusted)
        if not status.trusted:
            check.problems.append("the signer's certificate does not lead to a trusted root")
    return check
