"""A whole file understood: its documents and, for a bulk-scan stack, its dossiers.

This is the shape of the result JSON's `documents`, `dossiers` and `unassigned_pages`:
every page of the file is in exactly one place, and the JSON says where.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from digitize.understand.documents import Knowledge, UnderstoodDocument, understand_pages
from digitize.understand.pages import PageText
from digitize.understand.stack import Dossier, StackSplitter


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
    reader = FileReader(knowledge, pages.__getitem__)
    for page in pages:
        reader.add(page)
    return reader.finish()


class FileReader:
    """`understand_file` for pages that arrive one by one, in page order.

    A stack is understood as it arrives, one document's pages held at a time
    (`StackSplitter`). Whether a file is a stack at all is known only at its first
    boundary, or at its end: the pages before are not held but asked back by
    `recall(i)` (the file's page i, 0-based), once more for a file that is no stack.
    """

    def __init__(self, knowledge: Knowledge, recall: Callable[[int], PageText]) -> None:
        self._knowledge = knowledge
        self._recall = recall
        self._stack = StackSplitter(knowledge, recall)
        self._count = 0

    def add(self, page: PageText) -> None:
        """The file's next page."""
        self._stack.add(page)
        self._count += 1

    def finish(self) -> FileUnderstanding:
        """What the file is, once every page was added."""
        stack = self._stack.finish()
        if stack is None:
            pages = (self._recall(index) for index in range(self._count))
            return FileUnderstanding(understand_pages(pages, self._knowledge))
        documents = list(stack.unassigned_documents)
        for dossier in stack.dossiers:
            documents += dossier.documents
        return FileUnderstanding(documents, stack.dossiers, stack.unassigned_pages)
