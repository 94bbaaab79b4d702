"""How the report presents a corpus: links, the languages card, the wide techniques table."""

from __future__ import annotations

import re
from datetime import date

import pytest

from narrascope.document import Document, TechniqueSpan
from narrascope.techniques import TECHNIQUES
from narrascope.web import link, render_report


def _doc(i: int, language: str = "en", url: str = "", outlet: str = "Harbour Post") -> Document:
    text = f"Headline {i}\n\nThe ministers met again on Friday to talk about the harbour."
    doc = Document(
        id=f"d{i}",
        text=text,
        title=f"Headline {i}",
        url=url,
        outlet=outlet,
        published=date(2024, 11, i + 1),
        language=language,
    )
    doc.techniques = [TechniqueSpan(20, 29, code, 0.6) for code in TECHNIQUES]
    doc.stage_versions["techniques"] = "1"
    return doc


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("url", ["https://news.example.org/a?b=1&c=2", "HTTP://example.com/x"])
def test_web_urls_become_safe_links(url: str) -> None:
    html = str(link(url))
    assert html.startswith("<a href=")
    assert 'rel="noopener noreferrer"' in html
    assert "&amp;c=2" in html or "&" not in url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "https://",
        "https://example.com/\nx",
        "/local/path.txt",
        'https://example.com/" onmouseover="alert(1)',
    ],
)
def test_anything_else_stays_text(url: str) -> None:
    html = str(link(url))
    assert "<a " not in html and "<script" not in html
    assert '" onmouseover' not in html


def test_article_url_is_a_link_in_the_report() -> None:
    docs = [_doc(1, url="https://news.example.org/story"), _doc(2, url="javascript:alert(1)")]
    html = render_report(docs)
    assert (
        '<a href="https://news.example.org/story" rel="noopener noreferrer" target="_blank">'
        in html
    )
    assert 'href="javascript' not in html and "javascript:alert(1)" in html


def test_languages_card_reads_as_a_count_with_its_languages() -> None:
    docs = [_doc(1), _doc(2), _doc(3, language="fr")]
    text = _text(render_report(docs))
    assert "2 languages: en (2), fr (1)" in text
    assert "1 language: en (1)" in _text(render_report([_doc(1)]))


def test_techniques_by_outlet_table_scrolls_inside_its_own_box() -> None:
    docs = [_doc(i, outlet=f"outlet-{i}.example.com") for i in range(1, 6)]
    html = render_report(docs)
    table = html.index('<table class="tq-outlets">')
    box = html.rindex("<div", 0, table)
    assert html[box:table].strip() == '<div class="scroll-x">'
    css = re.search(r"\.scroll-x \{([^}]*)\}", html)
    assert css and "overflow-x:auto" in css.group(1)
    # the long technique names can wrap instead of widening the table
    assert re.search(r"\.scroll-x th \{[^}]*overflow-wrap:anywhere", html)


def test_chart_labels_are_cut_between_words_with_an_ellipsis() -> None:
    from narrascope.web import corpus_overview

    outlet = "The Harbour and Valley Evening Chronicle"
    chart = str(corpus_overview([_doc(1, outlet=outlet)])["outlet_chart"])
    assert ">The Harbour and Valley…<" in chart and "Evening Ch<" not in chart
