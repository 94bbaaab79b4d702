"""The report's script policy (hashes, no 'unsafe-inline') and its bounds on size."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import date
from html.parser import HTMLParser

from narrascope.document import Document
from narrascope.web import render_report


class _Scripts(HTMLParser):
    """Every <script> element's exact text, and the CSP of the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self.csp = ""
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self._current = []
        if tag == "meta" and (values.get("http-equiv") or "").lower() == (
            "content-security-policy"
        ):
            self.csp = values.get("content") or ""

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.scripts.append("".join(self._current))
            self._current = None


def _doc(i: int, text: str = "Body text.") -> Document:
    doc = Document(
        id=f"doc{i:04d}",
        text=f"Headline {i}\n\n{text}",
        title=f"Headline {i}",
        outlet="Wire",
        published=date(2024, 1, 1 + i % 28),
        language="en",
    )
    doc.stage_versions["techniques"] = "1"  # so the techniques partial (and its script) is in
    return doc


def _script_src(csp: str) -> list[str]:
    (directive,) = [d.strip() for d in csp.split(";") if d.strip().startswith("script-src")]
    return directive.split()[1:]


def test_every_inline_script_is_allowed_by_its_hash_and_nothing_else_is() -> None:
    hostile = _doc(1, 'Text <script>alert("x")</script> and more.')
    html = render_report([hostile, _doc(2)])
    page = _Scripts()
    page.feed(html)
    sources = _script_src(page.csp)
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
    assert len(page.scripts) >= 2  # the filter and the techniques highlighter
    for body in page.scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        assert f"'sha256-{digest}'" in sources
    assert all(re.fullmatch(r"'sha256-[A-Za-z0-9+/]+=*'", s) for s in sources)
    assert 'alert("x")' not in "".join(page.scripts)


def test_only_the_first_articles_are_shown_in_full() -> None:
    docs = [_doc(i, f"Unique body number {i}.") for i in range(12)]
    html = render_report(docs, full_articles=5)
    assert html.count('<article class="card article"') == 5
    # every article is still listed, and only full ones are linked
    assert all(f"Headline {i}<" in html for i in range(12))
    assert html.count('href="#a-doc') == 5
    assert "The first 5 of 12 articles are shown in full" in html
    small = render_report(docs[:3], full_articles=5)
    assert small.count('<article class="card article"') == 3 and "shown in full" not in small


def test_report_size_does_not_grow_with_the_full_text_of_a_large_corpus() -> None:
    long_text = "A long paragraph of article text that repeats. " * 200
    few = len(render_report([_doc(i, long_text) for i in range(10)], full_articles=10))
    many = len(render_report([_doc(i, long_text) for i in range(100)], full_articles=10))
    assert many < few * 2  # 90 more articles add list rows, not their text


def test_rejects_are_capped_with_a_count_of_the_rest() -> None:
    shown = [(f"bad{i}.txt", "empty file") for i in range(3)]
    html = render_report([_doc(1)], rejects=shown, rejects_total=1_000_000)
    assert html.count("empty file") == 3
    assert "The 3 most recent of 1000000 rejected inputs; 999997 more" in html


def test_rejects_are_counted_even_when_none_are_listed() -> None:
    html = render_report([_doc(1)], rejects=[], rejects_total=42)
    assert 'id="rejected"' in html and "The 0 most recent of 42 rejected inputs" in html
    assert 'id="rejected"' not in render_report([_doc(1)])
