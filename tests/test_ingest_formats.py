"""One test per input format and per option of narrascope.ingest (hand-written texts)."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from narrascope.document import Document
from narrascope.ingest import IngestOptions, Rejected, content_id, iter_inputs

ARTICLE = (
    "Council approves new tram line after long debate\n"
    "\n"
    "The city council voted 31 to 12 on Thursday to build a tram line linking the port with "
    "the university district. Supporters said the line would cut traffic on the ring road.\n"
    "\n"
    "Opponents argued that the money should go to repairing existing bridges first.\n"
)
HTML_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Tram line approved | The Riverside Post</title>
<meta property="og:site_name" content="The Riverside Post">
<meta property="og:title" content="Tram line approved after long debate">
<meta name="author" content="Ana Novak">
<meta property="article:published_time" content="2024-11-21T07:00:00Z">
<link rel="canonical" href="https://www.riversidepost.example/city/tram-line">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/city">City</a></li></ul></nav>
<article><h1>Tram line approved after long debate</h1>
<p>The city council voted 31 to 12 on Thursday to build a tram line linking the port with the
university district, ending a debate that had lasted almost two years.</p>
<p>Supporters said the line would cut traffic on the ring road and bring students closer to
jobs in the harbour area. Opponents said the money should first repair the old bridges.</p>
<p>Construction is expected to start next spring and to take three years.</p>
</article>
<aside class="newsletter">Subscribe to our newsletter for daily updates!</aside>
<footer>Copyright 2024 The Riverside Post. Cookie settings.</footer>
</body></html>"""


def docs(items: list[Document | Rejected]) -> list[Document]:
    assert not [i for i in items if isinstance(i, Rejected)], items
    return [i for i in items if isinstance(i, Document)]


def test_txt_shared_layout_is_verbatim(tmp_path: Path) -> None:
    raw = "\ufeff" + ARTICLE.replace("Thursday to", "Thursday  to").replace("\n", "\r\n")
    path = tmp_path / "EN" / "a.txt"
    path.parent.mkdir()
    path.write_bytes(raw.encode("utf-8"))
    (doc,) = docs(list(iter_inputs([str(path)])))
    assert doc.text == raw  # offsets of gold annotations stay valid
    assert doc.title == "Council approves new tram line after long debate"
    assert doc.language == "en"
    assert doc.source == str(path)
    assert doc.meta["format"] == "txt" and "encoding" not in doc.meta
    assert doc.id == content_id(doc.title, ARTICLE.split("\n\n", 1)[1])


@pytest.mark.parametrize(
    "header",
    ["date: 2024-11-20", "date 2024-11-20", "Date: November 20, 2024", "published: 20.11.2024"],
)
def test_txt_header_lines_are_metadata(tmp_path: Path, header: str) -> None:
    path = tmp_path / "b.txt"
    lines = [header, "outlet: Riverside Post", "url: https://riversidepost.example/tram"]
    path.write_text("\n".join([*lines, "author: Ana Novak", "lang: en", "", ARTICLE]), "utf-8")
    (doc,) = docs(list(iter_inputs([str(path)])))
    assert doc.published == date(2024, 11, 20)
    assert doc.outlet == "Riverside Post"
    assert doc.url == "https://riversidepost.example/tram"
    assert doc.authors == ["Ana Novak"]
    assert doc.language == "en"
    assert doc.title == "Council approves new tram line after long debate"
    assert doc.text.startswith(doc.title + "\n\nThe city council voted")
    assert "2024" not in doc.text and "outlet" not in doc.text


@pytest.mark.parametrize(
    ("first_lines", "expected"),
    [
        ("Tram vote on November 20, 2024\n\nThe council met.", date(2024, 11, 20)),
        ("Tram vote\n\nRIVERSIDE, 3 Dec. 2024 — The council met.", date(2024, 12, 3)),
        ("Tram vote\n\nRIVERSIDE (2024-01-05) The council met.", date(2024, 1, 5)),
        ("Plans for 2030 unveiled\n\nThe council met in 2024.", None),
    ],
)
def test_txt_date_in_title_or_first_lines(tmp_path: Path, first_lines: str, expected: date) -> None:
    path = tmp_path / "c.txt"
    path.write_text(first_lines, "utf-8")
    (doc,) = docs(list(iter_inputs([str(path)])))
    assert doc.published == expected
    assert doc.text == first_lines


def test_headline_that_looks_like_a_key_is_not_a_header(tmp_path: Path) -> None:
    text = "Author of the tram plan defends it\n\nThe engineer said the plan was sound."
    path = tmp_path / "d.txt"
    path.write_text(text, "utf-8")
    (doc,) = docs(list(iter_inputs([str(path)])))
    assert doc.text == text and doc.authors == []


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(HTML_PAGE, "utf-8")
    (doc,) = docs(list(iter_inputs([str(path)])))
    assert doc.title == "Tram line approved after long debate"
    assert doc.outlet == "The Riverside Post"
    assert doc.authors == ["Ana Novak"]
    assert doc.published == date(2024, 11, 21)
    assert doc.url == "https://www.riversidepost.example/city/tram-line"
    assert doc.text.startswith(doc.title + "\n\nThe city council voted 31 to 12")
    assert "Construction is expected" in doc.text
    for furniture in ("Home", "Subscribe", "Cookie", "Copyright"):
        assert furniture not in doc.text
    assert doc.meta["format"] == "html"


def test_jsonl_default_fields(tmp_path: Path) -> None:
    records = [
        {
            "id": "w-1",
            "headline": "Tram line approved",
            "body": "The council voted on Thursday.",
            "link": "https://wire.example/1",
            "site": "Wire",
            "published_at": "2024-11-21T10:00:00Z",
            "lang": "en",
            "authors": ["A. Novak", "B. Horvat"],
        },
        {"content": "Second story body, without a title.", "source": "Other Wire"},
    ]
    path = tmp_path / "wire.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", "utf-8")
    first, second = docs(list(iter_inputs([str(path)])))
    assert first.title == "Tram line approved"
    assert first.text == "Tram line approved\n\nThe council voted on Thursday."
    assert (first.url, first.outlet, first.published) == (
        "https://wire.example/1",
        "Wire",
        date(2024, 11, 21),
    )
    assert first.language == "en" and first.authors == ["A. Novak", "B. Horvat"]
    assert first.meta["record_id"] == "w-1" and first.meta["line"] == 1
    assert first.source == f"{path}:1"
    assert second.text == "Second story body, without a title." and second.outlet == "Other Wire"
    assert second.source == f"{path}:2"


def test_jsonl_field_map(tmp_path: Path) -> None:
    path = tmp_path / "custom.jsonl"
    record = {"story": "Body of the story about trams.", "head": "Trams", "paper": "Post"}
    path.write_text(json.dumps(record), "utf-8")
    options = IngestOptions(field_map={"text": "story", "title": "head", "outlet": "paper"})
    (doc,) = docs(list(iter_inputs([str(path)], options)))
    assert (doc.title, doc.outlet) == ("Trams", "Post")
    assert doc.text == "Trams\n\nBody of the story about trams."
    (rejected,) = list(iter_inputs([str(path)], IngestOptions(field_map={"text": "missing"})))
    assert isinstance(rejected, Rejected) and "missing" in rejected.reason


def test_csv_records_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "news.csv"
    path.write_text(
        'title,text,outlet,date\n"Tram line","The council voted,\nafter a long debate.",Post,'
        "2024-11-21\nNo body,,Post,2024-11-22\n",
        "utf-8",
    )
    items = list(iter_inputs([str(path)]))
    doc, rejected = items
    assert isinstance(doc, Document) and isinstance(rejected, Rejected)
    assert doc.text == "Tram line\n\nThe council voted,\nafter a long debate."
    assert (doc.outlet, doc.published, doc.source) == ("Post", date(2024, 11, 21), f"{path}:2")
    assert rejected.source == f"{path}:4" and "no text" in rejected.reason


def test_directory_recursion_glob_and_outlet_modes(tmp_path: Path) -> None:
    (tmp_path / "riverside-post" / "2024").mkdir(parents=True)
    (tmp_path / "riverside-post" / "2024" / "a.txt").write_text(ARTICLE, "utf-8")
    (tmp_path / "riverside-post" / "page.html").write_text(HTML_PAGE, "utf-8")
    (tmp_path / "riverside-post" / "notes.md").write_text("# not an article", "utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text(ARTICLE, "utf-8")
    found = docs(list(iter_inputs([str(tmp_path)])))
    assert [Path(d.source).name for d in found] == ["page.html", "a.txt"]
    html, txt = found
    # auto: from the data only (the site name); a folder name is no outlet
    assert (html.outlet, txt.outlet) == ("The Riverside Post", "")
    folder = docs(list(iter_inputs([str(tmp_path)], IngestOptions(outlet_from="folder"))))
    assert [d.outlet for d in folder] == ["riverside-post", "2024"]
    domain = docs(list(iter_inputs([str(tmp_path)], IngestOptions(outlet_from="domain"))))
    assert [d.outlet for d in domain] == ["riversidepost.example", ""]
    none = docs(list(iter_inputs([str(tmp_path)], IngestOptions(outlet_from="none"))))
    assert [d.outlet for d in none] == ["", ""]
    globbed = docs(list(iter_inputs([str(tmp_path / "**" / "*.txt")])))
    assert [Path(d.source).name for d in globbed] == ["a.txt"]
    with pytest.raises(ValueError, match="outlet_from"):
        IngestOptions(outlet_from="planet")


def test_stdin_text_and_jsonl() -> None:
    (doc,) = docs(list(iter_inputs(["-"], stdin=io.StringIO(ARTICLE))))
    assert doc.text == ARTICLE and doc.source == "<stdin>"
    lines = io.StringIO('{"text": "One body.", "title": "One"}\n{"text": "Two body."}\n')
    one, two = docs(list(iter_inputs(["-"], stdin=lines)))
    assert one.text == "One\n\nOne body." and two.source == "<stdin>:2"
    bad = io.StringIO('{"text": "Fine."}\n{"text": \n[1, 2]\n')
    _, broken, listed = list(iter_inputs(["-"], stdin=bad))
    assert broken == Rejected("<stdin>:2", "not valid JSON (Expecting value at column 10)")
    assert listed == Rejected("<stdin>:3", "a JSON list, expected an object")


def test_default_language_and_record_language(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, "utf-8")
    (doc,) = docs(list(iter_inputs([str(path)], IngestOptions(default_language="pt"))))
    assert doc.language == "pt"


def test_normalisation_of_non_verbatim_text(tmp_path: Path) -> None:
    record = {
        "title": "  Tram\u00a0line ",
        "text": "Cafe\u0301 owners  cheered.\t\n\n\n\nAdvertisement\n\nThe line opens in 2027.",
    }
    path = tmp_path / "n.jsonl"
    path.write_text(json.dumps(record), "utf-8")
    (doc,) = docs(list(iter_inputs([str(path)])))
    assert doc.text == "Tram line\n\nCafé owners cheered.\n\nThe line opens in 2027."


def test_local_feed_files(tmp_path: Path) -> None:
    rss = tmp_path / "feed.rss"
    rss.write_text(
        """<?xml version="1.0"?><rss version="2.0"><channel><title>Riverside Post</title>
<item><title>Tram line approved</title><link>https://riversidepost.example/tram</link>
<pubDate>Thu, 21 Nov 2024 08:00:00 GMT</pubDate>
<description>&lt;p&gt;The council voted to build the tram line.&lt;/p&gt;</description></item>
</channel></rss>""",
        "utf-8",
    )
    atom = tmp_path / "feed.atom"
    atom.write_text(
        """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Harbour Notes</title><id>urn:x</id><updated>2024-11-22T00:00:00Z</updated>
<entry><title>Ferry strike ends</title><link href="https://harbour.example/ferry"/>
<id>urn:1</id><updated>2024-11-22T09:00:00Z</updated><author><name>Ivo Maric</name></author>
<content type="html">&lt;p&gt;Ferry crews returned to work on Friday.&lt;/p&gt;&lt;p&gt;Talks
resume next week.&lt;/p&gt;</content></entry></feed>""",
        "utf-8",
    )
    rss_doc, atom_doc = docs(list(iter_inputs([str(rss), str(atom)])))
    assert rss_doc.text == "Tram line approved\n\nThe council voted to build the tram line."
    assert (rss_doc.outlet, rss_doc.published) == ("Riverside Post", date(2024, 11, 21))
    assert rss_doc.source == "https://riversidepost.example/tram"
    assert rss_doc.meta["partial"] == "summary" and rss_doc.meta["format"] == "rss"
    assert atom_doc.text == "Ferry strike ends\n\nFerry crews returned to work on Friday.\n\n" + (
        "Talks resume next week."
    )
    assert atom_doc.authors == ["Ivo Maric"] and atom_doc.meta["format"] == "atom"
