"""What turns a document's PDF into a copy with legal value, decided per document.

Luật Giao dịch điện tử 2023 (Điều 12): a paper document converted to a data message
carries a mark naming who converted it; a result of a procedure (a licence, a
certificate) carries the converting body's digital signature as well. So every
document gets the mark and its metadata, every PDF is signed when the unit's
certificate is given, and a procedure's result that cannot be signed is not released.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from digitize.pdf.mark import DigitiserMark
from digitize.pdf.sign import SignatureRequest, UnitSigner
from digitize.records.metadata import COPY_SCHEMA, CopyMetadata, copy_metadata
from digitize.understand.catalogue import Catalogue
from digitize.understand.documents import UnderstoodDocument


@dataclass(frozen=True)
class CopyOptions:
    """Who digitises, for which unit, and the unit's signer (None: not signing)."""

    unit: str
    digitised_by: str
    catalogue: Catalogue | None = None
    signer: UnitSigner | None = None
    signature: SignatureRequest = field(default_factory=SignatureRequest)


@dataclass(frozen=True)
class DocumentCopy:
    mark: DigitiserMark
    metadata: CopyMetadata
    procedure_result: bool  # must not be released unsigned when signing is configured

    def assemble_arguments(self, options: CopyOptions, *, sign: bool = True) -> dict[str, Any]:
        """Keyword arguments of `assemble_pdf` that make the copy."""
        return {
            "mark": self.mark,
            "xmp": (COPY_SCHEMA, self.metadata.xmp_values()),
            "signer": options.signer if sign else None,
            "signature": options.signature,
        }


def prepare_copy(
    document: UnderstoodDocument,
    options: CopyOptions,
    *,
    page_count: int,
    time: datetime,
    dossier_code: str | None = None,
) -> DocumentCopy:
    """The mark and metadata of one document."""
    catalogue = options.catalogue
    doc_type = catalogue.document_types.get(document.doc_type) if catalogue else None
    metadata = copy_metadata(
        document,
        doc_type,
        page_count=page_count,
        unit=options.unit,
        digitised_by=options.digitised_by,
        digitised_at=time,
        dossier_code=dossier_code,
    )
    return DocumentCopy(
        mark=DigitiserMark(options.unit, options.digitised_by, time),
        metadata=metadata,
        procedure_result=bool(doc_type and doc_type.procedure_result),
    )


def dossier_codes(
    documents: Sequence[UnderstoodDocument], dossiers: Sequence[tuple[str | None, list[int]]]
) -> list[str | None]:
    """Per document, the code of the dossier it is in (None: none, or undecided).

    `dossiers` is (code, indexes of its documents) per dossier of the file.
    """
    codes: list[str | None] = [None] * len(documents)
    for code, indexes in dossiers:
        for index in indexes:
            codes[index] = code
    return codes


def describe_copy(
    document: UnderstoodDocument,
    options: CopyOptions,
    *,
    time: datetime,
    dossier_code: str | None = None,
) -> dict[str, Any]:
    """The metadata of a document that has no PDF of its own (it is part of its file's)."""
    prepared = prepare_copy(
        document, options, page_count=len(document.pages), time=time, dossier_code=dossier_code
    )
    return {"metadata": prepared.metadata.as_json(), "procedure_result": prepared.procedure_result}
