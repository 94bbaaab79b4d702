"""Property tests: the parsers never crash and never lose text, whatever the input."""

from __future__ import annotations

import io
import json
import tempfile
from datetime import date
from pathlib import Path

from babel.dates import format_date
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrascope.document import Document
from narrascope.ingest import (
    IngestOptions,
    NearDuplicateIndex,
    Rejected,
    content_id,
    detect_language,
    find_date,
    iter_inputs,
    parse_date,
)
from narrascope.ingest._dates import MONTH_LOCALES
from narrascope.ingest._txt import parse_txt

FAST = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # same examples every run: the suite must be deterministic
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
line = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=60
)
words = st.lists(st.from_regex(r"[A-Za-z]{1,10}", fullmatch=True), min_size=1, max_size=12)


@FAST
@given(st.text(max_size=400))
def test_txt_parser_never_crashes_and_keeps_body(text: str) -> None:
    parsed = parse_txt(text)
    # header lines are cut off in front, and nothing else: the text is a slice of the file
    assert parsed.prefix + parsed.text == text
    assert parsed.body in parsed.text


@FAST
@given(
    day=st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)),
    outlet=words.map(" ".join),
    title=words.map(" ".join),
    body=st.lists(words.map(" ".join), min_size=1, max_size=4).map("\n\n".join),
    colon=st.booleans(),
)
def test_header_round_trip(day: date, outlet: str, title: str, body: str, colon: bool) -> None:
    sep = ": " if colon else " "
    text = f"date{sep}{day.isoformat()}\noutlet: {outlet}\nurl: https://x.example/a\n\n{title}\n\n{body}"
    parsed = parse_txt(text)
    assert parsed.published == day
    assert parsed.headers["outlet"] == outlet and parsed.headers["url"] == "https://x.example/a"
    assert (parsed.title, parsed.body) == (title, body)


@FAST
@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)))
def test_date_formats_round_trip(day: date) -> None:
    for written in (
        day.isoformat(),
        day.strftime("%B %d, %Y"),
        day.strftime("%d %b %Y"),
        day.strftime("%d.%m.%Y"),
        day.strftime("%a, %d %b %Y 08:00:00 GMT"),
    ):
        assert parse_date(written) == day, written


@FAST
@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(MONTH_LOCALES),
    st.sampled_from(["long", "medium", "d MMMM y", "d MMM y", "LLLL d, y"]),
)
def test_month_names_of_every_locale_round_trip(day: date, locale: str, pattern: str) -> None:
    """Dates as CLDR writes them in each locale ("20 ноября 2024 г.", "20 de nov. de 2024")."""
    written = format_date(day, pattern, locale=locale)
    assert parse_date(written) == day, written
    assert find_date(f"Опубликовано / published {written} — 14:05") == day, written


@FAST
@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(["long", "medium", "d MMMM y", "y-MM-dd", "dd.MM.y"]),
)
def test_hindi_dates_in_devanagari_digits(day: date, pattern: str) -> None:
    """Hindi outlets often write the digits in Devanagari too: "२० नवंबर २०२४"."""
    ascii_written = format_date(day, pattern, locale="hi")
    written = ascii_written.translate({ord("0") + n: 0x0966 + n for n in range(10)})
    assert parse_date(written) == day, written
    assert find_date(f"प्रकाशित: {written} — नई दिल्ली") == day, written


@FAST
@given(
    st.lists(
        st.one_of(
            st.fixed_dictionaries({"text": st.text(min_size=1, max_size=80)}),
            st.text(max_size=40).filter(lambda s: s.strip() and "\n" not in s and "\r" not in s),
            st.integers(),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_jsonl_reader_yields_one_result_per_line(records: list[object]) -> None:
    lines = [json.dumps(r) if not isinstance(r, str) else r for r in records]
    lines = [ln for ln in lines if ln.strip() and "\u2028" not in ln and "\x85" not in ln]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.jsonl"
        path.write_text("\n".join(lines) + "\n", "utf-8")
        items = list(iter_inputs([str(path)], IngestOptions(default_language="en")))
    if not lines:  # nothing but blank lines: one rejection naming the file
        assert (
            len(items) == 1 and isinstance(items[0], Rejected) and "no records" in items[0].reason
        )
        return
    assert len(items) == len(lines)
    for number, item in enumerate(items, start=1):
        assert item.source == f"{path}:{number}"
        assert isinstance(item, Document | Rejected)


@FAST
@given(st.text(max_size=300))
def test_stdin_never_crashes(text: str) -> None:
    items = list(iter_inputs(["-"], IngestOptions(max_bytes=10_000), stdin=io.StringIO(text)))
    assert items
    for item in items:
        assert isinstance(item, Document | Rejected)
        if isinstance(item, Document):
            assert item.text.strip() and len(item.id) == 16


@FAST
@given(
    title=line, body=st.text(max_size=200), spaces=st.sampled_from([" ", "  ", "\t", "\n", " \r\n"])
)
def test_content_id_stable_under_whitespace(title: str, body: str, spaces: str) -> None:
    respaced = spaces.join(body.split(" "))
    assert content_id(title, body) == content_id(f" {title} ", respaced + spaces)


@FAST
@given(st.text(max_size=200))
def test_detect_language_and_signature_total(text: str) -> None:
    lang = detect_language(text)
    assert lang == "und" or (lang.isalpha() and lang.islower())
    index = NearDuplicateIndex()
    signature = index.signature(text)
    index.add("a", signature)
    assert index.query(signature) in (None, "a")


@FAST
@given(st.text(max_size=300))
def test_html_and_feed_parsers_never_crash(text: str) -> None:
    from narrascope.ingest._feeds import parse_feed
    from narrascope.ingest._html import extract_html, html_fragment_text

    for markup in (text, f"<html><body><article><p>{text}</p>", f"<rss><channel><item>{text}"):
        article = extract_html(markup, "x.html")
        assert article is None or isinstance(article.body, str)
        assert isinstance(html_fragment_text(markup), str)
        feed = parse_feed(markup.encode("utf-8", "surrogatepass"))
        assert feed is None or isinstance(feed.entries, list)
