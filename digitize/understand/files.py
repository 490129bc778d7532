"""A whole file understood: its documents and, for a bulk-scan stack, its dossiers.

This is the shape of the result JSON's `documents`, `dossiers` and `unassigned_pages`:
every page of the file is in exactly one place, and the JSON says where.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from digitize.understand.documents import Knowledge, UnderstoodDocument, understand_pages
from digitize.understand.pages import PageText
from digitize.understand.stack import Dossier, split_stack


@dataclass(slots=True)
class FileUnderstanding:
    documents: list[UnderstoodDocument]
    dossiers: list[Dossier] = field(default_factory=list)
    unassigned_pages: list[int] = field(default_factory=list)

    def dossier_documents(self, dossier: Dossier) -> list[int]:
        """Indexes into `documents` of the dossier's documents."""
        ids = {id(document) for document in dossier.documents}
        return [i for i, document in enumerate(self.documents) if id(document) in ids]

    def as_json(self) -> dict[str, object]:
        return {
            "documents": [document.as_json() for document in self.documents],
            "dossiers": [self._dossier_json(dossier) for dossier in self.dossiers],
            "unassigned_pages": self.unassigned_pages,
        }

    def _dossier_json(self, dossier: Dossier) -> dict[str, object]:
        procedure = next((d.as_json()["procedure"] for d in dossier.documents if d.procedure), None)
        return {
            "code": dossier.reading.code,
            "code_source": dossier.reading.source,
            "code_candidates": dossier.reading.candidates,
            "boundary": dossier.boundary,
            "boundary_page": dossier.boundary_page,
            "pages": dossier.pages,
            "documents": self.dossier_documents(dossier),
            "blank_pages": dossier.blank_pages,
            "procedure": procedure,
            "review": list(dossier.reading.review),
        }


def understand_file(pages: Sequence[PageText], knowledge: Knowledge) -> FileUnderstanding:
    """Documents of a single paper as they come; a stack cut into dossiers first."""
    stack = split_stack(pages, knowledge)
    if stack is None:
        return FileUnderstanding(understand_pages(pages, knowledge))
    documents = list(stack.unassigned_documents)
    for dossier in stack.dossiers:
        documents += dossier.documents
    return FileUnderstanding(documents, stack.dossiers, stack.unassigned_pages)
