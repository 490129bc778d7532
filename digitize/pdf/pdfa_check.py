"""Is a (signed) file still PDF/A-2b? pikepdf's validator, plus the signature's own rules.

pikepdf's allowlist validator (the tests' PDF/A check) reports interactive forms and
developer extensions as "not supported", so any signed file fails it, though PDF/A-2
allows signature fields (ISO 19005-2, 6.4.3 and 6.3.3). So the signature's parts are
checked here against PDF/A-2's rules for them, then removed from a copy, and the rest
of the file (every page, font, image, the metadata as signing left it) goes through
pikepdf's validator.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pikepdf

# Annotation flags (ISO 32000-1, 12.5.3) PDF/A-2 cares about.
_INVISIBLE, _HIDDEN, _PRINT, _NOVIEW = 1, 2, 4, 32


def _zero_area(rect: object) -> bool:
    try:
        x0, y0, x1, y1 = (float(v) for v in rect)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return False
    return x0 == x1 or y0 == y1


def _signature_problems(pdf: pikepdf.Pdf) -> list[str]:
    """PDF/A-2's rules for signature fields, checked on the file's form."""
    problems = []
    form = pdf.Root.get("/AcroForm")
    if not isinstance(form, pikepdf.Dictionary):
        return problems
    if form.get("/NeedAppearances") is True or bool(form.get("/NeedAppearances", False)):
        problems.append("the form asks readers to make appearances (NeedAppearances)")
    if "/XFA" in form:
        problems.append("the form carries XFA, which PDF/A forbids")
    for item in form.get("/Fields", []):
        if item.get("/FT") != pikepdf.Name.Sig:
            problems.append(f"form field {item.get('/T')!s} is not a signature field")
            continue
        flags = int(item.get("/F", 0))
        if not flags & _PRINT or flags & (_INVISIBLE | _HIDDEN | _NOVIEW):
            problems.append("the signature's widget must be printable and not hidden")
        if not _zero_area(item.get("/Rect", [])) and "/AP" not in item:
            problems.append("a visible signature widget has no appearance stream")
    return problems


def _without_signature_parts(pdf: pikepdf.Pdf) -> None:
    """Remove what pikepdf's validator does not know: the form of signature fields,
    their widgets on the pages, and the PAdES developer extension (ESIC)."""
    widgets = set()
    form = pdf.Root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary):
        widgets = {f.objgen for f in form.get("/Fields", []) if f.get("/FT") == pikepdf.Name.Sig}
        del pdf.Root.AcroForm
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        kept = [a for a in annots if a.objgen not in widgets]
        if kept:
            page.obj.Annots = pikepdf.Array(kept)
        else:
            del page.obj.Annots
    extensions = pdf.Root.get("/Extensions")
    if isinstance(extensions, pikepdf.Dictionary) and "/ESIC" in extensions:
        del extensions.ESIC
        if not len(extensions.keys()):
            del pdf.Root.Extensions


_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_EXT = "{http://www.aiim.org/pdfa/ns/extension/}"
_SCHEMA = "{http://www.aiim.org/pdfa/ns/schema#}"
_PROPERTY = "{http://www.aiim.org/pdfa/ns/property#}"
# Re-serialised XMP must keep the standard prefixes (PDF/A checks pdfaid's, for one).
_PREFIXES = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
}
for _prefix, _uri in _PREFIXES.items():
    ET.register_namespace(_prefix, _uri)
_VALUE_TYPES = {"Text", "Integer", "Date", "Boolean", "URI", "Real", "AgentName", "ProperName"}


def _described(extension: ET.Element, problems: list[str]) -> dict[str, set[str]]:
    """Namespace -> property names an extension schema container describes, checking
    the container the way PDF/A-2 (6.6.2.3) wants it."""
    described: dict[str, set[str]] = {}
    for schema in extension.iter(f"{_RDF}li"):
        namespace = schema.findtext(f"{_SCHEMA}namespaceURI")
        if namespace is None:
            continue  # a property entry (pdfaProperty), handled below
        for part in ("schema", "prefix"):
            if not (schema.findtext(f"{_SCHEMA}{part}") or "").strip():
                problems.append(f"extension schema {namespace}: no pdfaSchema:{part}")
        names = described.setdefault(namespace, set())
        for item in schema.iterfind(f"{_SCHEMA}property/{_RDF}Seq/{_RDF}li"):
            name = item.findtext(f"{_PROPERTY}name") or ""
            value_type = item.findtext(f"{_PROPERTY}valueType") or ""
            category = item.findtext(f"{_PROPERTY}category") or ""
            if (
                not name
                or value_type not in _VALUE_TYPES
                or category
                not in (
                    "internal",
                    "external",
                )
                or not (item.findtext(f"{_PROPERTY}description") or "").strip()
            ):
                problems.append(f"extension schema {namespace}: property {name!r} ill described")
            names.add(name)
    return described


def _split_extension(pdf: pikepdf.Pdf, problems: list[str]) -> None:
    """Check the custom XMP properties against the extension schemas describing them,
    then take both out of the packet, which pikepdf's validator does not know."""
    stream = pdf.Root.get("/Metadata")
    if not isinstance(stream, pikepdf.Stream):
        return
    packet = stream.read_bytes()
    start, end = packet.find(b"<x:xmpmeta"), packet.rfind(b"</x:xmpmeta>")
    if start < 0 or end < 0:
        return
    end += len(b"</x:xmpmeta>")
    try:
        root = ET.fromstring(packet[start:end])
    except ET.ParseError as error:
        problems.append(f"the XMP packet is not well-formed XML: {error}")
        return
    rdf = root.find(f"{_RDF}RDF")
    if rdf is None:
        return
    descriptions = list(rdf.iterfind(f"{_RDF}Description"))
    containers = [d for d in descriptions if d.find(f"{_EXT}schemas") is not None]
    if not containers:
        return
    described: dict[str, set[str]] = {}
    for container in containers:
        for extension in container.iterfind(f"{_EXT}schemas"):
            for namespace, names in _described(extension, problems).items():
                described.setdefault(namespace, set()).update(names)
        rdf.remove(container)
    for description in descriptions:
        if description in containers:
            continue
        custom = [c for c in description if c.tag[1:].split("}")[0] in described]
        for child in custom:
            namespace, name = child.tag[1:].split("}")
            if name not in described[namespace]:
                problems.append(f"XMP property {name} of {namespace} is not described")
            description.remove(child)
    for description in list(rdf.iterfind(f"{_RDF}Description")):
        if not len(description) and not any(
            k.startswith("{") and k != f"{_RDF}about" for k in description.attrib
        ):
            rdf.remove(description)
    body = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    stream.write(packet[:start] + body + packet[end:])


def pdfa_problems(data: bytes) -> list[str] | None:
    """Why the file is not PDF/A-2b ([] if it is); None when the validator is missing."""
    try:
        from pikepdf import pdfa
    except ImportError:  # pikepdf[pdfa]'s extra dependencies are not installed
        return None
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            problems = _signature_problems(pdf)
            _without_signature_parts(pdf)
            _split_extension(pdf, problems)
            copy = io.BytesIO()
            pdf.save(copy)
    except pikepdf.PdfError as error:
        return [f"not a readable PDF: {error}"]
    copy.seek(0)
    report = pdfa.validate_written(copy, "2b")
    return problems + [f"{f.where}: {f.message}" for f in report.findings]
