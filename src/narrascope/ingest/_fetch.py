"""HTTP fetching with httpx: timeouts, bounded size, retries with exponential backoff.

Retried: timeouts, connection errors, HTTP 429 and 5xx (the failures that go
away). Not retried: other 4xx (asking again will not help). Bodies are
streamed so a huge response is cut off at ``max_bytes`` instead of filling memory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

__all__ = ["USER_AGENT", "FetchError", "Fetched", "fetch", "make_client"]

USER_AGENT = "narrascope/0.1 (news narrative analysis; python-httpx)"


class FetchError(Exception):
    """The URL could not be fetched; ``args[0]`` is the user-facing reason."""


@dataclass(frozen=True)
class Fetched:
    url: str  # final URL after redirects
    content: bytes
    content_type: str
    charset: str | None


def make_client(timeout: float) -> httpx.Client:
    return httpx.Client(
        timeout=timeout,
        follow_redirects=True,
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,*/*"},
    )


def _once(client: httpx.Client, url: str, timeout: float, max_bytes: int) -> Fetched:
    with client.stream("GET", url, timeout=timeout) as response:
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
) -> Fetched:
    """GET ``url``; raise FetchError with a reason once every attempt has failed."""
    attempts = max(0, retries) + 1
    reason = ""
    for attempt in range(attempts):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            return _once(client, url, timeout, max_bytes)
        except httpx.TimeoutException:
            reason = f"timed out after {attempts} attempt(s) ({timeout:g} s each)"
        except httpx.HTTPStatusError as exc:
            status = exc.response.status_code
            reason = f"HTTP {status} {exc.response.reason_phrase}".strip()
            if status != 429 and status < 500:
                raise FetchError(reason) from exc
            reason += f" after {attempts} attempt(s)"
        except httpx.TransportError as exc:
            reason = f"connection failed after {attempts} attempt(s): {exc or type(exc).__name__}"
        except httpx.InvalidURL as exc:
            raise FetchError(f"invalid URL: {exc}") from exc
    raise FetchError(reason)
