"""HTTP fetching with httpx: total deadlines, bounded size, retries, no private targets.

Retried: timeouts, connection errors, HTTP 429 and 5xx (the failures that go
away). Not retried: other 4xx, refused targets and redirect loops (asking again
will not help). Bodies are streamed so a huge response is cut off at
``max_bytes`` instead of filling memory.

Two defences against a hostile server or feed:

* **Server-side request forgery.** A URL, a feed entry's link or a redirect may
  point at ``127.0.0.1:6379``, ``169.254.169.254`` or a host on the LAN. Every
  hop's host is resolved and refused unless *all* its addresses are global
  (``allow_private`` lifts this, for a local test server). Redirects are
  followed here, one hop at a time, so each hop is checked. The client made by
  :func:`make_client` checks again when it connects, on the address it actually
  connects to, so a name that resolves to a public address for the check and a
  private one for the connection (DNS rebinding) is refused as well.
* **Slow drip.** httpx's timeout bounds each read; a server sending one byte
  every 0.9 s never trips a 5 s read timeout. ``timeout`` is therefore a total
  deadline per attempt: checked between body chunks, and (with
  :func:`make_client`'s client) shortening every socket read and write,
  headers included, to the time left.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

__all__ = ["USER_AGENT", "FetchError", "Fetched", "fetch", "make_client", "refused_reason"]

USER_AGENT = "narrascope/0.1 (news narrative analysis; python-httpx)"
MAX_REDIRECTS = 10
_REDIRECTS = (301, 302, 303, 307, 308)
_ALLOW_HINT = "use --allow-private-urls to allow it"


class FetchError(Exception):
    """The URL could not be fetched; ``args[0]`` is the user-facing reason."""


class _Refused(FetchError):
    """The target is not a public address: refused, never retried."""


@dataclass(frozen=True)
class Fetched:
    url: str  # final URL after redirects
    content: bytes
    content_type: str
    charset: str | None


# ------------------------------------------------------------------ targets
def _address_reason(address: str) -> str | None:
    """What ``address`` (an IP literal) is when it is no fetch target, None when it is global."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return "not an IP address"
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved or not ip.is_global:
        return "a private or reserved address"
    return None


def _resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"connection failed: cannot resolve {host!r} ({exc})") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refused_reason(url: str) -> str | None:
    """Why ``url`` must not be fetched without ``allow_private``, or None when it may be.

    A host is refused when any address it resolves to is not global: one private
    address among public ones is enough to reach the inside.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return f"not an http(s) URL: {parts.scheme or '(no scheme)'}"
    host = parts.hostname
    if not host:
        return "the URL has no host"
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        return "the URL has an invalid port"
    for address in _resolve(host, port):
        reason = _address_reason(address)
        if reason is not None:
            shown = host if host == address else f"{host} ({address})"
            return f"refused: {shown} is {reason}; {_ALLOW_HINT}"
    return None


# ---------------------------------------------------------------- deadline
_local = threading.local()


def _time_left(timeout: float | None) -> float | None:
    """A socket operation's timeout, shortened to what is left of the current deadline."""
    deadline: float | None = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the request's total deadline has passed")
    return left if timeout is None else min(timeout, left)


class _GuardedStream(httpcore.NetworkStream):
    """A socket stream whose every read and write ends at the request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _time_left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _time_left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _time_left(timeout))
        return _GuardedStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """Connects only to the global address it checked, within the request's deadline."""

    def __init__(self, inner: httpcore.NetworkBackend, allow_private: bool) -> None:
        self._inner = inner
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        if self.allow_private:
            addresses = [host]
        else:
            try:
                addresses = _resolve(host, port)
            except FetchError as exc:
                raise httpcore.ConnectError(str(exc)) from exc
            for address in addresses:
                reason = _address_reason(address)
                if reason is not None:
                    shown = host if host == address else f"{host} ({address})"
                    raise httpcore.ConnectError(f"refused: {shown} is {reason}")
        # connect to what was checked, not to a second lookup; the next address on failure
        failure: Exception | None = None
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(
                    address, port, _time_left(timeout), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return _GuardedStream(stream)
        raise failure or httpcore.ConnectError(f"no address for {host}")

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def make_client(timeout: float, *, allow_private: bool = False) -> httpx.Client:
    """An httpx client whose connections are checked and bounded by :func:`fetch`'s deadline.

    Redirects are off: :func:`fetch` follows them itself and checks every hop.
    ``trust_env`` is off so that no proxy variable routes requests around the
    address check.
    """
    transport = httpx.HTTPTransport(trust_env=False)
    pool = transport._pool  # httpx exposes no public way to pass httpcore a network backend
    pool._network_backend = _GuardedBackend(pool._network_backend, allow_private)
    return httpx.Client(
        transport=transport,
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,*/*"},
    )


# ------------------------------------------------------------------ fetching
def _once(
    client: httpx.Client, url: str, timeout: float, max_bytes: int, allow_private: bool
) -> Fetched:
    """One attempt: follow redirects hop by hop, all within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    _local.deadline = deadline
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            if not allow_private:
                reason = refused_reason(url)
                if reason is not None:
                    raise _Refused(reason)
            left = max(0.001, deadline - time.monotonic())
            with client.stream("GET", url, timeout=left, follow_redirects=False) as response:
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location:
                    url = urljoin(str(response.url), location.strip())
                    if urlsplit(url).scheme.lower() not in ("http", "https"):
                        raise _Refused(f"redirected to a non-http(s) URL: {url[:200]}")
                    continue
                return _body(response, max_bytes, deadline, timeout)
        raise _Refused(f"too many redirects (more than {MAX_REDIRECTS})")
    finally:
        _local.deadline = None


def _body(response: httpx.Response, max_bytes: int, deadline: float, timeout: float) -> Fetched:
    if response.status_code >= 400:
        raise httpx.HTTPStatusError(
            f"HTTP {response.status_code}", request=response.request, response=response
        )
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"too large ({int(declared):,} bytes > limit of {max_bytes:,})")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        if time.monotonic() > deadline:  # a caller's client has no per-read deadline
            raise httpx.ReadTimeout(f"no complete response within {timeout:g} s")
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"too large (more than {max_bytes:,} bytes)")
        chunks.append(chunk)
    return Fetched(
        url=str(response.url),
        content=b"".join(chunks),
        content_type=response.headers.get("content-type", "").split(";")[0].strip().lower(),
        charset=response.charset_encoding,
    )


def fetch(
    client: httpx.Client,
    url: str,
    *,
    timeout: float,
    retries: int,
    max_bytes: int,
    backoff: float = 0.5,
    allow_private: bool = False,
) -> Fetched:
    """GET ``url``; raise FetchError with a reason once every attempt has failed.

    ``timeout`` bounds each attempt as a whole (redirects, headers and body),
    not each read. Unless ``allow_private``, a URL or redirect whose host
    resolves to a loopback, private, link-local or otherwise non-global address
    is refused without a request.
    """
    attempts = max(0, retries) + 1
    reason = ""
    for attempt in range(attempts):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            return _once(client, url, timeout, max_bytes, allow_private)
        except httpx.TimeoutException:
            reason = f"timed out after {attempts} attempt(s) ({timeout:g} s each)"
        except httpx.HTTPStatusError as exc:
            status = exc.response.status_code
            reason = f"HTTP {status} {exc.response.reason_phrase}".strip()
            if status != 429 and status < 500:
                raise FetchError(reason) from exc
            reason += f" after {attempts} attempt(s)"
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise FetchError(f"invalid URL: {exc}") from exc
        except httpx.TransportError as exc:
            if str(exc).startswith("refused: "):  # the connect-time check: asking again won't help
                raise FetchError(f"{exc}; {_ALLOW_HINT}") from exc
            reason = f"connection failed after {attempts} attempt(s): {exc or type(exc).__name__}"
        except httpx.TooManyRedirects as exc:  # a caller's client that follows redirects
            raise FetchError(f"too many redirects: {exc}") from exc
    raise FetchError(reason)
