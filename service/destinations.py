"""Where the service may send webhooks: public http(s) addresses only, unless a network
is listed in DIGITIZE_WEBHOOK_ALLOWED_NETWORKS (one-stop software often sits on a
provincial LAN).

A URL is checked when it is registered and again before each delivery, against the
addresses its host resolves to then: loopback, private, link-local, shared, unspecified,
multicast and reserved addresses are refused, IPv4-mapped IPv6 as the IPv4 address it
carries, and every address of the name must pass. Numbers that are not a plain
dotted quad (2130706433, 0x7f.1, 0177.0.0.1, 127.1) are refused outright: resolvers
read them as addresses, people do not. Credentials in the URL are refused too: they
would travel into logs and tracebacks.

A delivery connects to the very addresses that were checked (`Destination`, and
`pinned_transport`), never resolving the name a second time: a name that answers a
public address to the check and an internal one a moment later (DNS rebinding) cannot
send it inside. The request still names the host (Host header, TLS SNI), and the
certificate is verified against that name.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import httpcore
import httpx

from service.errors import InvalidInputError

MAX_URL_LENGTH = 2000
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_CREDENTIALS = re.compile(r"//[^/\s@]*@")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


class RefusedDestinationError(InvalidInputError):
    """A webhook URL the service will not send to."""


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to now (tests replace this to control them)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def parse_networks(raw: str) -> list[Network]:
    """'10.0.0.0/8, 192.168.1.0/24' as networks; a clear error for a bad one."""
    networks = []
    for part in raw.split(","):
        if part.strip():
            try:
                networks.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                raise ValueError(f"{part.strip()!r} is not a network (e.g. 10.0.0.0/8)") from None
    return networks


def redacted(url: str) -> str:
    """`url` without credentials, for messages, logs and tracebacks."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<an unreadable URL>"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, ""))


def scrubbed(text: str) -> str:
    """Any text (an error message, a traceback) with URL credentials masked."""
    return _CREDENTIALS.sub("//***@", text)


def _public(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return _public(mapped)
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _allowed(address: IpAddress, networks: Iterable[Network]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address.version == n.version and address in n for n in networks):
        return True
    return _public(address)


class Destination(NamedTuple):
    """A URL's host and port, and the addresses it was checked at."""

    host: str
    port: int
    addresses: tuple[str, ...]


def check_url(url: str, networks: Iterable[Network]) -> Destination:
    """Where a URL the service may send to leads, or RefusedDestinationError saying why
    not. Resolves the host: call it again just before each delivery, and connect to the
    addresses it returns (`pinned_transport`)."""
    networks = list(networks)
    if len(url) > MAX_URL_LENGTH:
        raise RefusedDestinationError(f"a webhook URL has at most {MAX_URL_LENGTH} characters")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise RefusedDestinationError("a webhook URL has no spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedDestinationError("the webhook URL's port must be 1 to 65535") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedDestinationError(f"{redacted(url)!r} is not an http(s) URL")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise RefusedDestinationError(
            "a webhook URL carries no credentials: check the X-Digitize-Signature instead"
        )
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    if not 1 <= port <= 65535:
        raise RefusedDestinationError("the webhook URL's port must be 1 to 65535")
    host = parts.hostname
    try:
        literal: IpAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is None and _NUMERIC_LABEL.match(host.rstrip(".").rsplit(".", 1)[-1]):
        raise RefusedDestinationError(f"{host!r} is not a host name nor a dotted-decimal address")
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolve(host, port)]
        except (OSError, UnicodeError, ValueError):
            raise RefusedDestinationError(f"the host {host!r} cannot be resolved") from None
    if not addresses:
        raise RefusedDestinationError(f"the host {host!r} cannot be resolved")
    for address in addresses:
        if not _allowed(address, networks):
            raise RefusedDestinationError(
                f"{host!r} leads to {address}, an internal address: webhooks go to public "
                "addresses only, unless its network is in DIGITIZE_WEBHOOK_ALLOWED_NETWORKS"
            )
    return Destination(host, port, tuple(str(a) for a in addresses))


class _PinnedBackend(httpcore.SyncBackend):
    """Connects to the checked addresses, whatever name the request carries: no DNS."""

    def __init__(self, addresses: tuple[str, ...]) -> None:
        self._addresses = addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        failure: Exception = httpcore.ConnectError("no address to connect to")
        for address in self._addresses:  # as a resolver's answers are tried, in turn
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure


def pinned_transport(destination: Destination) -> httpx.HTTPTransport:
    """An httpx transport that sends to `destination`'s checked addresses only; TLS
    still gets the host name (SNI) and verifies the certificate against it."""
    transport = httpx.HTTPTransport(trust_env=False)
    # httpx takes no network backend as an argument, so its pool is made again with
    # ours, and httpx's usual TLS context (certifi's roots, the host name checked).
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=1,
        network_backend=_PinnedBackend(destination.addresses),
    )
    return transport
