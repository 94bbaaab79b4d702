"""Hostile input from the fault review (issue 21): one bad record, link or feed costs itself."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from narrascope.document import Document
from narrascope.ingest import IngestOptions, Rejected, iter_inputs
from narrascope.ingest._fetch import make_client

POSIX = pytest.mark.skipif(os.name != "posix", reason="symlinks")

DEEP = "[" * 100_000 + "]" * 100_000


def _kinds(items: list[Document | Rejected]) -> list[str]:
    return [type(i).__name__ for i in items]


def test_jsonl_deep_nesting_and_lone_surrogate_cost_one_line(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": "First body of the wire."}),
        DEEP,
        '{"text": "A body with a lone \\ud800 surrogate."}',
        '{"text": "A surrogate in a field nobody reads.", "note": "\\udc00"}',
        json.dumps({"text": "Last body of the wire."}),
    ]
    path = tmp_path / "wire.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    for items in (
        list(iter_inputs([str(path)])),
        list(iter_inputs(["-"], stdin=io.StringIO("\n".join(lines)))),
    ):
        assert _kinds(items) == ["Document", "Rejected", "Rejected", "Document", "Document"]
        assert items[1].source.endswith(":2") and "nested too deeply" in items[1].reason
        assert items[2].source.endswith(":3") and "surrogate" in items[2].reason
        assert "'text'" in items[2].reason
        assert items[4].text == "Last body of the wire."


def test_jsonl_fields_of_the_wrong_type_are_named_not_stringified(tmp_path: Path) -> None:
    records = [
        {"text": "Body one.", "language": ["en"]},
        {"text": "Body two.", "date": 20240101},
        {"text": "Body three.", "url": {"href": "https://x.example/"}},
        {"text": "Body four.", "authors": [{"name": ["A"]}]},
        {"text": ["not", "a", "string"]},
        {"text": "Body six.", "title": 1984, "id": 7, "lang": "EN", "authors": ["A. B"]},
    ]
    path = tmp_path / "typed.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), "utf-8")
    items = list(iter_inputs([str(path)]))
    assert _kinds(items) == ["Rejected"] * 5 + ["Document"]
    reasons = [(i.source.rsplit(":", 1)[1], i.reason) for i in items[:5]]  # type: ignore[union-attr]
    assert reasons == [
        ("1", "field 'language' is a list, expected a string"),
        ("2", "field 'date' is a number, expected a string"),
        ("3", "field 'url' is an object, expected a string"),
        ("4", "field 'authors' holds a list, expected names (strings)"),
        ("5", "field 'text' is a list, expected a string"),
    ]
    doc = items[5]
    assert isinstance(doc, Document)
    assert (doc.title, doc.meta["record_id"], doc.language, doc.authors) == (
        "1984",
        "7",
        "en",
        ["A. B"],
    )


# ------------------------------------------------------------ a hostile server (127.0.0.1)
PAGE = (
    "<html><head><title>Ferry strike ends</title></head><body><article><h1>Ferry strike ends</h1>"
    "<p>Ferry crews returned to work on Friday after a week of talks with the owners of the "
    "three companies that serve the islands, the union said in a statement.</p>"
    "</article></body></html>"
)
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Loop News</title>
<item><title>Looping link</title><link>{base}/loop</link></item>
<item><title>Good story</title><link>{base}/page</link></item>
</channel></rss>"""


class _Hostile(BaseHTTPRequestHandler):
    hits: ClassVar[dict[str, int]] = {}

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, body: str, ctype: str = "text/html; charset=utf-8") -> None:
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        _Hostile.hits[self.path] = _Hostile.hits.get(self.path, 0) + 1
        if self.path == "/page":
            self._send(PAGE)
        elif self.path == "/feed":
            self._send(FEED.format(base=base), "application/rss+xml")
        elif self.path == "/loop":
            self._redirect("/loop")
        elif self.path == "/hop":
            self._redirect(f"{base}/secret")
        elif self.path == "/secret":
            self._send(PAGE.replace("Ferry", "Secret"))
        elif self.path == "/drip":  # headers at once, then one body byte every 0.2 s for 6 s
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "30")
            self.end_headers()
            self._drip(b"<p>" + b"x" * 27)
        elif self.path == "/drip-headers":  # the status line, then a header byte every 0.2 s
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            self._drip(b"X-Slow: " + b"y" * 22 + b"\r\nContent-Length: 0\r\n\r\n")
        else:
            self.send_error(404)

    def _drip(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            for byte in data:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)


@pytest.fixture
def hostile() -> Iterator[str]:
    _Hostile.hits = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


LOCAL = IngestOptions(timeout=2, retries=0, backoff=0, allow_private_urls=True)


def test_feed_entry_redirecting_in_a_loop_costs_that_entry_only(hostile: str) -> None:
    items = list(iter_inputs([f"{hostile}/feed"], LOCAL))
    assert _kinds(items) == ["Rejected", "Document"]
    assert items[0].source == f"{hostile}/loop" and "too many redirects" in items[0].reason
    assert isinstance(items[1], Document) and "Ferry crews returned" in items[1].text


def test_opml_listing_itself_twice_is_read_once(tmp_path: Path) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        '<outline text="me" xmlUrl="subs.opml"/>'
        f'<outline text="me again" xmlUrl="{opml}"/>'
        '<outline text="up" xmlUrl="../../../../etc/passwd"/>'
        "</body></opml>",
        "utf-8",
    )
    started = time.perf_counter()
    # the old code recursed without end (2^depth reads); 200 items are enough to tell
    items = list(itertools.islice(iter_inputs([str(opml)]), 200))
    assert time.perf_counter() - started < 5
    assert _kinds(items) == ["Rejected"] * 3
    for item, listed in zip(items, ("subs.opml", str(opml), "../../../../etc/passwd"), strict=True):
        assert item == Rejected(f"{opml}: {listed}", "not an http(s) URL (OPML feeds are fetched)")


def test_opml_never_reads_local_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("Secret title\n\nThe secret body that an OPML file must not reach.\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    opml = sub / "subs.opml"
    opml.write_text(
        f'<opml><body><outline xmlUrl="{secret}"/><outline xmlUrl="../secret.txt"/>'
        '<outline xmlUrl="file:///etc/passwd"/></body></opml>',
        "utf-8",
    )
    items = list(iter_inputs([str(opml)]))
    assert _kinds(items) == ["Rejected"] * 3
    assert all("not an http(s) URL" in i.reason for i in items)  # type: ignore[union-attr]


def test_a_feed_listed_twice_in_opml_files_is_read_once(hostile: str, tmp_path: Path) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(
        f'<opml><body><outline xmlUrl="{hostile}/feed"/><outline xmlUrl="{hostile}/feed"/>'
        "</body></opml>",
        "utf-8",
    )
    items = list(iter_inputs([str(opml), str(opml)], LOCAL))
    assert _Hostile.hits["/feed"] == 1
    assert _kinds(items) == ["Rejected", "Document", "Rejected", "Rejected", "Rejected"]
    assert (
        items[2:] == [Rejected(f"{hostile}/feed", "listed again in an OPML file (read once)")] * 3
    )


@POSIX
def test_symlink_leaving_the_input_folder_is_skipped(tmp_path: Path) -> None:
    outside = tmp_path / "private" / "notes.txt"
    outside.parent.mkdir()
    outside.write_text("Private notes\n\nNothing here belongs in a corpus, it is private.\n")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a_story.txt").write_text("Ferry strike\n\nFerry crews returned to work.\n")
    (corpus / "b_link.txt").symlink_to(outside)
    (corpus / "c_inside.txt").symlink_to(corpus / "a_story.txt")  # inside the tree: read
    for inputs in ([str(corpus)], [str(corpus / "*.txt")]):
        items = list(iter_inputs(inputs))
        assert _kinds(items) in (["Document", "Rejected", "Document"], ["Document", "Rejected"])
        assert items[1].source == str(corpus / "b_link.txt")
        assert "outside the input folder" in items[1].reason  # type: ignore[union-attr]
        assert not any("Private" in getattr(i, "text", "") for i in items)
    followed = list(iter_inputs([str(corpus)], IngestOptions(follow_links=True)))
    assert any("Private notes" in getattr(i, "text", "") for i in followed)


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("172.16.5.4", "private"),
        ("100.64.0.1", "private"),
        ("0.0.0.0", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("93.184.215.14", None),
        ("2606:4700::1111", None),
    ],
)
def test_non_global_addresses_are_refused(address: str, refused: str | None) -> None:
    from narrascope.ingest._fetch import _address_reason

    reason = _address_reason(address)
    assert (reason is None) if refused is None else (reason is not None and refused in reason)


def test_private_targets_are_refused_by_default(hostile: str) -> None:
    (item,) = list(iter_inputs([f"{hostile}/page"], IngestOptions(retries=0)))
    assert isinstance(item, Rejected) and item.reason.startswith("refused: 127.0.0.1 is a loopback")
    assert "--allow-private-urls" in item.reason and _Hostile.hits == {}
    (item,) = list(iter_inputs([hostile.replace("127.0.0.1", "localhost") + "/page"]))
    assert isinstance(item, Rejected) and "refused: localhost (" in item.reason
    assert _Hostile.hits == {}
    # the client's own connect-time check (what a DNS-rebinding name would meet)
    with make_client(2.0) as client, pytest.raises(httpx.ConnectError, match="refused"):
        client.get(f"{hostile}/page")
    assert _Hostile.hits == {}


def test_every_redirect_hop_is_checked(hostile: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A public page redirecting inside is refused at the hop (here /secret plays the inside)."""
    from narrascope.ingest import _fetch

    monkeypatch.setattr(
        _fetch,
        "refused_reason",
        lambda url: "refused: inside" if url.endswith("/secret") else None,
        raising=False,
    )
    with httpx.Client() as client:  # a caller's client: the hop check is fetch's own
        options = IngestOptions(retries=0)
        (item,) = list(iter_inputs([f"{hostile}/hop"], options, client=client))
    assert item == Rejected(f"{hostile}/hop", "refused: inside")
    assert "/secret" not in _Hostile.hits and _Hostile.hits["/hop"] == 1


@pytest.mark.parametrize("path", ["/drip", "/drip-headers"])
def test_timeout_is_a_total_deadline(hostile: str, path: str) -> None:
    options = IngestOptions(timeout=1.0, retries=0, allow_private_urls=True)
    started = time.perf_counter()
    (item,) = list(iter_inputs([hostile + path], options))
    elapsed = time.perf_counter() - started
    assert isinstance(item, Rejected) and "timed out" in item.reason
    assert elapsed < 2.5  # the server would drip for 6 s; the old code waited for all of it


def test_one_tag_with_many_attributes_is_parsed_in_linear_time(tmp_path: Path) -> None:
    from narrascope.ingest._html import extract_html, html_fragment_text

    story = "<p>Ferry crews returned to work on Friday after a week of talks with the owners.</p>"
    attributes = " ".join(f'a{i}="v"' for i in range(20_000))  # quadratic: ~15 s each before
    page = f"<html><body><article><div {attributes}>{story}</div></article></body></html>"
    extract_html("<p>warm up the extractor once, outside the timing</p>", "warm")
    started = time.perf_counter()
    article = extract_html(page, "page.html")
    fragment = html_fragment_text(f"<p {attributes}>Night buses return on Monday.</p>")
    assert time.perf_counter() - started < 5
    assert article is not None and "Ferry crews returned" in article.body
    assert fragment == "Night buses return on Monday."


def test_cap_attributes_keeps_ordinary_tags_and_quoted_brackets() -> None:
    from narrascope.ingest._html import MAX_TAG_TOKENS, cap_attributes

    ordinary = '<div class="a" data-x=\'1>2\' hidden><p title="<b>">Text &amp; more</p></div>'
    assert cap_attributes(ordinary) == ordinary
    names = " ".join(f"x{i}" for i in range(MAX_TAG_TOKENS + 50))
    capped = cap_attributes(f'<p a=">"{names}>kept text</p><i>after</i>')
    assert capped.endswith(f"x{MAX_TAG_TOKENS - 3}>kept text</p><i>after</i>")
    assert f"x{MAX_TAG_TOKENS - 2} " not in capped  # a=, ">" and x0… make 256 tokens


def test_analyze_passes_the_network_and_link_options(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--allow-private-urls` and `--follow-links` reach IngestOptions (off by default)."""
    from typer.testing import CliRunner

    from narrascope import app as app_module
    from narrascope.cli._main import app
    from narrascope.errors import NarrascopeError

    seen: list[IngestOptions] = []

    class FakeNarrascope:
        def __init__(self, *args: object, **kwargs: object) -> None:
            self.config = type("Config", (), {"stages": ["nlp"]})()
            self.pipeline = None

        def analyze(self, inputs: list[str], options: IngestOptions, **kwargs: object) -> None:
            seen.append(options)
            raise NarrascopeError("stopped after reading the options")

    monkeypatch.setattr(app_module, "Narrascope", FakeNarrascope)
    monkeypatch.setattr("narrascope.cli._main._stop_workers_on_signals", lambda: None)
    runner = CliRunner()
    runner.invoke(app, ["analyze", "x.txt", "--timeout", "3"])
    runner.invoke(app, ["analyze", "x.txt", "--allow-private-urls", "--follow-links"])
    assert [(o.allow_private_urls, o.follow_links, o.timeout) for o in seen] == [
        (False, False, 3.0),
        (True, True, 10.0),
    ]


@POSIX
def test_glob_matching_a_symlinked_directory_stays_inside(tmp_path: Path) -> None:
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "notes.txt").write_text("Private notes\n\nNothing here belongs in a corpus.\n")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a_story.txt").write_text("Ferry strike\n\nFerry crews returned to work.\n")
    (corpus / "elsewhere").symlink_to(outside, target_is_directory=True)
    items = list(iter_inputs([str(corpus / "*")]))
    assert _kinds(items) == ["Document", "Rejected"]
    assert items[1].source == str(corpus / "elsewhere" / "notes.txt")
    assert "outside the input folder" in items[1].reason  # type: ignore[union-attr]
