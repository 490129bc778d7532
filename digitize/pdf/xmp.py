"""Custom XMP properties in a PDF/A file, with the extension schema PDF/A asks for.

PDF/A allows XMP properties outside the predefined schemas only when the packet
describes them itself (ISO 19005-2, 6.6.2.3): a `pdfaExtension:schemas` bag naming the
namespace, its prefix and each property's name, value type, category and description.
This module adds one such schema and its values to the packet `assemble.py` wrote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pikepdf

from digitize.errors import DigitizeError

_EXTENSION = "http://www.aiim.org/pdfa/ns/extension/"
_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"
_END = b"</rdf:RDF>"


@dataclass(frozen=True)
class XmpProperty:
    name: str
    description: str
    value_type: str = "Text"  # PDF/A's value types: Text, Integer, Date, ...


@dataclass(frozen=True)
class XmpSchema:
    """A custom schema: what the extension schema says and where the values live."""

    title: str
    namespace: str  # ends in / or #, as XMP namespaces do
    prefix: str
    properties: Sequence[XmpProperty]

    def property(self, name: str) -> XmpProperty:
        for item in self.properties:
            if item.name == name:
                return item
        raise DigitizeError(f"{name!r} is not a property of the {self.title} schema")


def _description(schema: XmpSchema) -> str:
    """The pdfaExtension:schemas entry describing `schema`."""
    properties = "".join(
        '<rdf:li rdf:parseType="Resource">'
        f"<pdfaProperty:name>{escape(p.name)}</pdfaProperty:name>"
        f"<pdfaProperty:valueType>{escape(p.value_type)}</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{escape(p.description)}</pdfaProperty:description>"
        "</rdf:li>"
        for p in schema.properties
    )
    return (
        f'<rdf:Description rdf:about="" xmlns:pdfaExtension={quoteattr(_EXTENSION)} '
        f"xmlns:pdfaSchema={quoteattr(_SCHEMA)} xmlns:pdfaProperty={quoteattr(_PROPERTY)}>"
        '<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
        f"<pdfaSchema:schema>{escape(schema.title)}</pdfaSchema:schema>"
        f"<pdfaSchema:namespaceURI>{escape(schema.namespace)}</pdfaSchema:namespaceURI>"
        f"<pdfaSchema:prefix>{escape(schema.prefix)}</pdfaSchema:prefix>"
        f"<pdfaSchema:property><rdf:Seq>{properties}</rdf:Seq></pdfaSchema:property>"
        "</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>"
    )


def _values(schema: XmpSchema, values: Mapping[str, str | int]) -> str:
    elements = "".join(
        f"<{schema.prefix}:{name}>{escape(str(values.get(name, '')))}</{schema.prefix}:{name}>"
        for name in (p.name for p in schema.properties)
    )
    return (
        f'<rdf:Description rdf:about="" xmlns:{schema.prefix}={quoteattr(schema.namespace)}>'
        f"{elements}</rdf:Description>"
    )


def add_schema(pdf: pikepdf.Pdf, schema: XmpSchema, values: Mapping[str, str | int]) -> None:
    """Add `schema`'s values (every property; "" where a value is unknown) and its
    PDF/A extension description to the document's XMP packet.

    The packet must exist (assemble.py writes it first). Unknown keys are refused, so
    a value never lands in the file undescribed.
    """
    for name in values:
        schema.property(name)
    metadata = pdf.Root.get("/Metadata")
    if not isinstance(metadata, pikepdf.Stream):
        raise DigitizeError("the document has no XMP packet to extend")
    packet = metadata.read_bytes()
    end = packet.rfind(_END)
    if end < 0:
        raise DigitizeError("the document's XMP packet has no rdf:RDF element")
    added = (_description(schema) + _values(schema, values)).encode("utf-8")
    metadata.write(packet[:end] + added + b"\n" + packet[end:])


def read_schema(pdf: pikepdf.Pdf, schema: XmpSchema) -> dict[str, str]:
    """The schema's values as the packet holds them ({} when it holds none)."""
    meta = pdf.open_metadata()  # read only: no `with`, which would write it back
    found = {}
    for item in schema.properties:
        key = f"{{{schema.namespace}}}{item.name}"
        if key in meta:
            found[item.name] = str(meta[key])
    return found
