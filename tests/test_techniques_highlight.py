"""Highlighting and the report partials: spans as <mark>, article text always escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from narrascope.document import Document, TechniqueSpan
from narrascope.techniques import TECHNIQUES, highlight, outlet_rates, report_globals
from narrascope.web import paragraphs

HOSTILE = 'They said <script>alert("x")</script> & "quoted" lies, O\'Brien <b>wrote</b>.'


class _Tree(HTMLParser):
    """Collects tags, the text, and checks that elements nest properly."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Tree:
    tree = _Tree()
    tree.feed(html)
    tree.close()
    return tree


def _span(text: str, needle: str, technique: str, extra: int = 0) -> TechniqueSpan:
    start = text.index(needle)
    end = start + len(needle) + extra
    return TechniqueSpan(start, end, technique, 0.87, text[start:end])


def test_spans_across_script_and_quotes_stay_escaped() -> None:
    spans = [
        # starts inside the script tag text, ends after the quoted word
        _span(HOSTILE, 'alert("x")</script> & "quoted"', "Loaded_Language"),
        # overlaps the first one partially and crosses the <b> element
        _span(HOSTILE, '& "quoted" lies, O\'Brien <b>wr', "Name_Calling,Labeling"),
        # nested inside both
        _span(HOSTILE, '"quoted"', "Doubt"),
    ]
    html = str(highlight(HOSTILE, spans))
    tree = _parse(html)
    assert set(tree.tags) == {"mark"}, tree.tags  # no <script> or <b> element came through
    assert tree.errors == [] and tree.stack == []
    assert "".join(tree.text) == HOSTILE  # the text reads back unchanged
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&amp;" in html and "&#34;quoted&#34;" in html


def test_overlapping_spans_are_all_marked() -> None:
    text = "Alpha beta gamma delta"
    spans = [
        TechniqueSpan(0, 10, "Repetition", 0.5),
        TechniqueSpan(6, 16, "Slogans", 0.6),
        TechniqueSpan(6, 16, "Doubt", 0.3),
    ]
    html = str(highlight(text, spans))
    assert html.count('data-span="0"') == 2  # "Alpha " and "beta"
    assert html.count('data-span="1"') == 2  # "beta" and " gamma"
    assert html.count('data-span="2"') == 2
    assert 'data-technique="Slogans"' in html and "Slogans (0.60)" in html
    assert _parse(html).errors == []
    assert html.endswith(" delta")


def test_title_holds_name_definition_probability_and_is_escaped() -> None:
    spans = [TechniqueSpan(0, 4, 'Evil"><script>x', 0.5), TechniqueSpan(5, 9, "Doubt", 0.25)]
    html = str(highlight("abcd efgh", spans))
    assert "<script>" not in html
    assert TECHNIQUES["Doubt"].definition.split()[0] in html
    assert 'title="Doubt (0.25): ' in html


def test_out_of_range_and_empty_spans_are_ignored() -> None:
    text = "short & sweet"
    html = highlight(text, [TechniqueSpan(5, 500, "Doubt", 0.9), TechniqueSpan(3, 3, "Doubt", 1)])
    assert isinstance(html, Markup)
    assert "".join(_parse(str(html)).text) == text
    assert str(html).count("<mark") == 1


def test_every_technique_has_a_definition_and_safe_class() -> None:
    assert len(TECHNIQUES) == 14
    for info in TECHNIQUES.values():
        assert info.definition and re.fullmatch(r"tq-[a-z0-9-]+", info.css_class)


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("narrascope.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    env.filters["paragraphs"] = paragraphs
    env.globals.update(report_globals())
    return env


def _doc(doc_id: str, outlet: str, text: str, spans: list[TechniqueSpan]) -> Document:
    return Document(
        id=doc_id,
        text=text,
        outlet=outlet,
        language="en",
        techniques=spans,
        stage_versions={"techniques": "1"},
    )


def test_article_partial_renders_highlight_legend_and_rates() -> None:
    spans = [_span(HOSTILE, '<script>alert("x")</script>', "Loaded_Language")]
    html = _env().get_template("_techniques.html").render(doc=_doc("a", "o", HOSTILE, spans))
    assert "<script>alert" not in html
    assert 'data-technique="Loaded_Language"' in html
    assert "Legend" in html and TECHNIQUES["Slogans"].definition in html
    words = len(HOSTILE.split())
    assert f"{1000 / words:.1f}" in html  # one span per `words` words


def test_corpus_partial_rates_per_outlet() -> None:
    text = " ".join(["word"] * 500)
    docs = [
        _doc("a", "<i>Outlet</i>", text, [TechniqueSpan(0, 4, "Doubt", 0.9)] * 2),
        _doc("b", "<i>Outlet</i>", text, [TechniqueSpan(0, 4, "Slogans", 0.9)]),
        _doc("c", "Other", text, []),
    ]
    rates = outlet_rates(docs)
    by_outlet = {row["outlet"]: row for row in rates["outlets"]}
    assert by_outlet["<i>Outlet</i>"]["total_per_1000"] == 3.0  # 3 spans in 1,000 words
    assert by_outlet["Other"]["total_per_1000"] == 0.0
    html = _env().get_template("_techniques_corpus.html").render(docs=docs)
    assert "<i>Outlet</i>" not in html and "&lt;i&gt;Outlet&lt;/i&gt;" in html
    assert "3.0" in html and "2.0" in html
