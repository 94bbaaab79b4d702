"""URLs, feeds and OPML over a local HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from narrascope.document import Document
from narrascope.ingest import USER_AGENT, IngestOptions, Rejected, iter_inputs

ARTICLE_HTML = """<html><head><title>Ferry strike ends | Harbour Notes</title>
<meta property="og:site_name" content="Harbour Notes">
<meta property="og:title" content="Ferry strike ends after a week">
<meta name="author" content="Ivo Maric">
<meta property="article:published_time" content="2024-11-22T09:00:00Z"></head>
<body><nav><a href="/">Home</a> <a href="/sport">Sport</a></nav><article>
<h1>Ferry strike ends after a week</h1>
<p>Ferry crews returned to work on Friday after a week of talks with the owners of the
three companies that serve the islands, the union said in a statement.</p>
<p>Passengers had faced cancellations since last Saturday, and hotels on the islands reported
empty rooms at the start of the winter season.</p></article>
<footer>Harbour Notes, all rights reserved</footer></body></html>"""

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Notes</title>
<link>{base}/</link>
<item><title>Ferry strike ends</title><link>{base}/article</link>
<pubDate>Fri, 22 Nov 2024 09:00:00 GMT</pubDate><description>Short teaser.</description></item>
<item><title>Gone story</title><link>{base}/missing</link>
<pubDate>Fri, 22 Nov 2024 10:00:00 GMT</pubDate><description>Only this teaser is left.</description>
</item></channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Island Radio</title><id>urn:radio</id><updated>2024-11-23T00:00:00Z</updated>
<entry><title>Night buses return</title><link href="{base}/never-fetched"/><id>urn:2</id>
<updated>2024-11-23T07:00:00Z</updated>
<content type="html">&lt;p&gt;Night buses return to the islands on Monday.&lt;/p&gt;</content>
</entry></feed>"""

OPML = """<?xml version="1.0"?><opml version="2.0"><head><title>subs</title></head><body>
<outline text="News"><outline text="Harbour" type="rss" xmlUrl="{base}/rss"/>
<outline text="Radio" type="rss" xmlUrl="{base}/atom"/></outline></body></opml>"""


class _Handler(BaseHTTPRequestHandler):
    hits: ClassVar[dict[str, int]] = {}
    agents: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def _send(self, status: int, body: str, ctype: str = "text/html; charset=utf-8") -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        hits = _Handler.hits
        hits[self.path] = hits.get(self.path, 0) + 1
        _Handler.agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/article":
            self._send(200, ARTICLE_HTML)
        elif self.path == "/rss":
            self._send(200, RSS.format(base=base), "application/rss+xml")
        elif self.path == "/atom":
            self._send(200, ATOM.format(base=base), "application/atom+xml")
        elif self.path == "/slow":
            time.sleep(1.0)
            self._send(200, ARTICLE_HTML)
        elif self.path == "/flaky":
            if hits[self.path] == 1:
                self._send(500, "try again")
            else:
                self._send(200, ARTICLE_HTML)
        elif self.path == "/down":
            self._send(503, "down")
        elif self.path == "/big":
            self._send(200, "<p>" + "x" * 5000 + "</p>")
        else:
            self._send(404, "not found")


@pytest.fixture
def base() -> Iterator[str]:
    _Handler.hits = {}
    _Handler.agents = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


#: the test server is on 127.0.0.1, which is refused unless allowed
LOCAL = {"allow_private_urls": True}
FAST = IngestOptions(timeout=0.3, retries=2, backoff=0.01, **LOCAL)


def test_article_page(base: str) -> None:
    (doc,) = list(iter_inputs([f"{base}/article"], FAST))
    assert isinstance(doc, Document)
    assert doc.title == "Ferry strike ends after a week"
    assert doc.text.startswith(doc.title + "\n\nFerry crews returned to work on Friday")
    assert "Home" not in doc.text and "rights reserved" not in doc.text
    assert (doc.source, doc.url) == (f"{base}/article", f"{base}/article")
    assert (doc.outlet, doc.published, doc.authors) == (
        "Harbour Notes",
        date(2024, 11, 22),
        ["Ivo Maric"],
    )
    assert _Handler.agents == [USER_AGENT] and "narrascope" in USER_AGENT
    (domain,) = list(iter_inputs([f"{base}/article"], IngestOptions(outlet_from="domain", **LOCAL)))
    assert isinstance(domain, Document) and domain.outlet == "127.0.0.1"


def test_rss_feed_follows_links_and_falls_back_on_summary(base: str) -> None:
    full, teaser = list(iter_inputs([f"{base}/rss"], FAST))
    assert isinstance(full, Document) and isinstance(teaser, Document)
    assert "hotels on the islands" in full.text and full.meta["feed"] == "Harbour Notes"
    assert full.source == f"{base}/article" and full.published == date(2024, 11, 22)
    assert teaser.text == "Gone story\n\nOnly this teaser is left."
    assert teaser.meta["partial"] == "summary" and "HTTP 404" in teaser.meta["fetch_error"]
    assert _Handler.hits["/missing"] == 1  # 4xx is not retried


def test_atom_feed_with_content_is_not_fetched_again(base: str) -> None:
    (doc,) = list(iter_inputs([f"{base}/atom"], FAST))
    assert isinstance(doc, Document)
    assert doc.text == "Night buses return\n\nNight buses return to the islands on Monday."
    assert doc.outlet == "Island Radio" and doc.meta["format"] == "atom"
    assert "/never-fetched" not in _Handler.hits


def test_opml_and_url_list_files(base: str, tmp_path: Path) -> None:
    opml = tmp_path / "feeds.opml"
    opml.write_text(OPML.format(base=base), "utf-8")
    items = list(iter_inputs([str(opml)], FAST))
    assert [i.outlet for i in items if isinstance(i, Document)] == [
        "Harbour Notes",
        "Harbour Notes",
        "Island Radio",
    ]
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# reading list\n{base}/article\n\n{base}/nothing-here\n", "utf-8")
    doc, rejected = list(iter_inputs([str(urls)], FAST))
    assert isinstance(doc, Document) and doc.title == "Ferry strike ends after a week"
    assert rejected == Rejected(f"{base}/nothing-here", "HTTP 404 Not Found")


def test_timeout_is_retried_then_rejected(base: str) -> None:
    started = time.perf_counter()
    (item,) = list(
        iter_inputs([f"{base}/slow"], IngestOptions(timeout=0.2, retries=1, backoff=0, **LOCAL))
    )
    assert time.perf_counter() - started < 2.0
    assert isinstance(item, Rejected) and item.source == f"{base}/slow"
    assert "timed out after 2 attempt(s)" in item.reason
    assert _Handler.hits["/slow"] == 2


def test_server_error_then_success(base: str) -> None:
    (doc,) = list(iter_inputs([f"{base}/flaky"], FAST))
    assert isinstance(doc, Document) and _Handler.hits["/flaky"] == 2
    (item,) = list(iter_inputs([f"{base}/down"], FAST))
    assert isinstance(item, Rejected) and "HTTP 503" in item.reason
    assert _Handler.hits["/down"] == 3


def test_response_size_limit_and_caller_client(base: str) -> None:
    (item,) = list(iter_inputs([f"{base}/big"], IngestOptions(max_bytes=1000, backoff=0, **LOCAL)))
    assert isinstance(item, Rejected) and "too large" in item.reason
    with httpx.Client(headers={"User-Agent": "custom"}) as client:
        (doc,) = list(iter_inputs([f"{base}/article"], FAST, client=client))
        assert isinstance(doc, Document) and not client.is_closed
    assert _Handler.agents[-1] == "custom"


def test_unreachable_host_is_rejected() -> None:
    options = IngestOptions(timeout=0.3, retries=0, **LOCAL)
    (item,) = list(iter_inputs(["http://127.0.0.1:9/article"], options))
    assert isinstance(item, Rejected) and "connection failed" in item.reason
