"""Do two runs of `digitize process` give the same results? For checking that a change
to how results are made (not to what they say) changed nothing.

    .venv/bin/python bench/same_outputs.py BEFORE_DIR AFTER_DIR

Compares every result JSON under both folders, all of it but the run's clock times
(`created`, and each document's `metadata.digitised_at`), as data and as text byte for
byte, and every PDF (the file's and each document's of a
stack) by its pages: each page is known by a digest of its content stream and images
(the text layer and the scan), so the per-document PDFs' page lists are compared as
the pages of the file's PDF they hold, and checked against their documents' pages.
PDF bytes themselves differ by their creation time. Prints what differs and exits 1
if anything does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import pikepdf

_CLOCK_TIMES = re.compile(r'^ *"(created|digitised_at)": .*$', re.MULTILINE)


def page_digests(path: Path) -> list[str]:
    """Per page, a digest of its content stream and its images' data."""
    digests = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            contents = page.obj.get("/Contents")
            streams = contents if isinstance(contents, pikepdf.Array) else [contents]
            digest = hashlib.sha256()
            for stream in streams:
                if stream is not None:
                    digest.update(stream.read_bytes())
            for name, image in sorted(page.get_images().items()):
                digest.update(name.encode())
                digest.update(image.read_raw_bytes())
            digests.append(digest.hexdigest()[:16])
    return digests


def outputs(folder: Path) -> tuple[dict[str, Any], dict[str, str], dict[str, list[str]]]:
    """The folder's result JSONs (without the run's clock times), as data and as text,
    and its PDFs' page digests."""
    results, texts, pdfs = {}, {}, {}
    for path in sorted(folder.rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        result = json.loads(text)
        result.pop("created", None)
        for document in result.get("documents", ()):
            (document.get("metadata") or {}).pop("digitised_at", None)
        results[str(path.relative_to(folder))] = result
        texts[str(path.relative_to(folder))] = _CLOCK_TIMES.sub("", text)
    for path in sorted(folder.rglob("*.pdf")):
        pdfs[str(path.relative_to(folder))] = page_digests(path)
    return results, texts, pdfs


def page_lists(results: dict[str, Any], pdfs: dict[str, list[str]]) -> dict[str, list[int]]:
    """Each per-document PDF's pages, as page numbers of its file's PDF (0: not in it)."""
    lists = {}
    for name, result in results.items():
        folder = Path(name).parent
        numbers = {d: n for n, d in enumerate(pdfs.get(str(folder / result["pdf"]), []), 1)}
        for document in result.get("documents", ()):
            if document.get("pdf"):
                pdf = str(folder / document["pdf"])
                lists[pdf] = [numbers.get(d, 0) for d in pdfs.get(pdf, [])]
    return lists


def misplaced(results: dict[str, Any], lists: dict[str, list[int]]) -> list[str]:
    """Pages not in exactly one place, and document PDFs not holding their pages."""
    found = []
    for name, result in results.items():
        folder = Path(name).parent
        for n, document in enumerate(result.get("documents", ())):
            if document.get("pdf"):
                held = lists[str(folder / document["pdf"])]
                if held != document["pages"]:
                    found.append(f"{name}: document {n + 1} holds pages {held}")
        if result.get("dossiers"):
            placed = list(result["unassigned_pages"])
            for dossier in result["dossiers"]:
                placed += dossier["pages"]
            if sorted(placed) != list(range(1, len(result["pages"]) + 1)):
                found.append(f"{name}: pages not each in one place")
    return found


def differences(before: Any, after: Any, where: str = "") -> list[str]:
    if type(before) is not type(after):
        return [f"{where}: {before!r} became {after!r}"]
    if isinstance(before, dict):
        found = []
        if list(before) != list(after):
            found.append(f"{where}: keys {list(before)} became {list(after)}")
        for key in before.keys() & after.keys():
            found += differences(before[key], after[key], f"{where}/{key}")
        return found
    if isinstance(before, list):
        if len(before) != len(after):
            return [f"{where}: {len(before)} items became {len(after)}"]
        return [
            d
            for n, (b, a) in enumerate(zip(before, after, strict=True))
            for d in differences(b, a, f"{where}[{n}]")
        ]
    return [] if before == after else [f"{where}: {before!r} became {after!r}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    results_before, texts_before, pdfs_before = outputs(args.before)
    results_after, texts_after, pdfs_after = outputs(args.after)
    lists_before = page_lists(results_before, pdfs_before)
    lists_after = page_lists(results_after, pdfs_after)
    found = differences(results_before, results_after, "json")
    found += [
        f"json text of {name}"
        for name, text in texts_before.items()
        if name in texts_after and texts_after[name] != text
    ]
    found += differences(pdfs_before, pdfs_after, "pdf")
    found += differences(lists_before, lists_after, "page lists")
    found += misplaced(results_after, lists_after)
    pages = sum(len(r.get("pages", ())) for r in results_before.values())
    held = sum(len(pages) for pages in lists_before.values())
    print(
        f"compared {len(results_before)} results ({pages} pages) and {len(pdfs_before)} PDFs, "
        f"{len(lists_before)} of them per-document PDFs ({held} pages)"
    )
    for difference in found[:50]:
        print(f"  differs: {difference}")
    print("identical" if not found else f"{len(found)} differences")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
