"""The static report: self-contained, and article text can never inject markup."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

from narrascope.document import Document, Entity
from narrascope.web import paragraphs, render_report

HOSTILE = (
    "Headline <img src=x onerror=alert(1)>\n\n"
    'Body with <script>alert("x")</script> & "quotes" \'here\'.'
)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.srcs: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(name)
            if name in ("src", "href") and value and re.match(r"^(https?:)?//", value):
                self.srcs.append(value)
        if tag == "img":
            self.handlers.append("img")

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


def _hostile_doc() -> Document:
    return Document(
        id="evil",
        text=HOSTILE,
        title="Headline <img src=x onerror=alert(1)>",
        outlet="<b>Outlet</b>",
        published=date(2024, 11, 20),
        language="en",
        entities=[Entity("person:x", "<script>x</script>", "PERSON", ['"><script>'], [])],
        notes=["note <i>italic</i>"],
    )


def test_article_text_is_escaped_everywhere() -> None:
    html = render_report([_hostile_doc()], title="<t>")
    parser = _Collector()
    parser.feed(html)
    # the only script is the report's own filter code, and no article markup became an element
    assert len(parser.scripts) == 1 and "alert" not in parser.scripts[0]
    assert parser.handlers == []
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>Outlet</b>" not in html


def test_report_is_self_contained() -> None:
    html = render_report([_hostile_doc()])
    parser = _Collector()
    parser.feed(html)
    assert parser.srcs == []
    assert "Content-Security-Policy" in html


def test_paragraphs_escape_and_split() -> None:
    out = str(paragraphs("A <b>\n\nB & C"))
    assert out == "<p>A &lt;b&gt;</p>\n<p>B &amp; C</p>"


def test_overview_counts_and_duplicates() -> None:
    a = Document(id="a", text="T\n\nx", title="T", outlet="One", language="en")
    b = Document(
        id="b", text="T\n\nx", title="T copy", outlet="Two", language="en", duplicate_of="a"
    )
    html = render_report([a, b])
    assert "Copies and near-duplicates" in html and "T copy" in html
