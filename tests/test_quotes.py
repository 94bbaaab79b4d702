"""Evidence quotes: cut between words with an ellipsis, never given a second closing mark."""

from __future__ import annotations

import pytest

from narrascope.document import Document, Evidence, NarrativeLabel, NarrativeResult
from narrascope.narratives import template_explanation
from narrascope.quotes import enclose, shorten
from narrascope.web import render_report

LONG = "Analysts expect grave outcomes of the talks for months to come"


def test_short_text_is_kept_on_one_line() -> None:
    assert shorten("  Two\nlines\tand  spaces ", 40) == "Two lines and spaces"


@pytest.mark.parametrize("width", range(10, len(LONG)))
def test_cut_falls_between_words_and_is_marked(width: int) -> None:
    cut = shorten(LONG, width)
    assert len(cut) <= width and cut.endswith("…")
    kept = cut[:-1]
    assert LONG.startswith(kept) and LONG[len(kept)] == " "  # never "outcomes o"


def test_dangling_punctuation_goes_before_the_ellipsis() -> None:
    assert shorten("He said, however, that the deal was off", 12) == "He said…"


def test_one_long_word_is_cut_inside_with_the_ellipsis() -> None:
    assert shorten("https://example.org/a/very/long/path", 12) == "https://exa…"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The talks failed.", "“The talks failed.”"),
        ("He warned of “an escalation.”", "“He warned of “an escalation.”"),
        ("“We will not retreat,” he said.", "““We will not retreat,” he said.”"),
        ("“We will not retreat.”", "“We will not retreat.”"),
        ("«Nous ne céderons pas.»", "«Nous ne céderons pas.»"),
        ("The talks went on for…", "“The talks went on for…”"),
        ("   ", ""),
    ],
)
def test_enclose_adds_no_second_mark(text: str, expected: str) -> None:
    assert enclose(text) == expected


def _doc_with_quote(sentence: str) -> tuple[Document, NarrativeResult]:
    text = f"Title\n\n{sentence}"
    start = text.index(sentence)
    label = "URW: Amplifying war-related fears"
    ev = Evidence(start, len(text), sentence, 0.9, 1)
    result = NarrativeResult("URW", [NarrativeLabel(label, "narrative", 0.9, [ev])], label)
    doc = Document(id="q1", text=text, title="Title", language="en")
    doc.narratives = result
    return doc, result


def test_explanation_quote_has_one_closing_mark() -> None:
    doc, result = _doc_with_quote("The minister spoke of “a dangerous escalation.”")
    explanation = template_explanation(doc, result)
    assert explanation.endswith("“The minister spoke of “a dangerous escalation.”")
    assert "””" not in explanation


def test_report_evidence_quote_has_one_closing_mark() -> None:
    doc, _ = _doc_with_quote("The minister spoke of “a dangerous escalation.”")
    doc.stage_versions["narratives"] = "1"
    html = render_report([doc])
    assert "escalation.”" in html and "escalation.””" not in html
