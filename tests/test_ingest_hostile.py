"""Hostile input from the fault review (issue 21): one bad record, link or feed costs itself."""

from __future__ import annotations

import io
import json
from pathlib import Path

from narrascope.document import Document
from narrascope.ingest import Rejected, iter_inputs

DEEP = "[" * 100_000 + "]" * 100_000


def _kinds(items: list[Document | Rejected]) -> list[str]:
    return [type(i).__name__ for i in items]


def test_jsonl_deep_nesting_and_lone_surrogate_cost_one_line(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": "First body of the wire."}),
        DEEP,
        '{"text": "A body with a lone \\ud800 surrogate."}',
        json.dumps({"text": "Last body of the wire."}),
    ]
    path = tmp_path / "wire.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    for items in (
        list(iter_inputs([str(path)])),
        list(iter_inputs(["-"], stdin=io.StringIO("\n".join(lines)))),
    ):
        assert _kinds(items) == ["Document", "Rejected", "Rejected", "Document"]
        assert items[1].source.endswith(":2") and "nested too deeply" in items[1].reason
        assert items[2].source.endswith(":3") and "surrogate" in items[2].reason
        assert "'text'" in items[2].reason
        assert items[3].text == "Last body of the wire."


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
