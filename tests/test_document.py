"""The Document model round-trips through its JSON form (what the store keeps)."""

from __future__ import annotations

import json
from datetime import date

from narrascope.document import (
    Document,
    Entity,
    Evidence,
    Framing,
    Mention,
    NarrativeLabel,
    NarrativeResult,
    RoleScore,
    Sentence,
    TechniqueSpan,
    Token,
)


def test_round_trip_keeps_every_persisted_field() -> None:
    doc = Document(
        id="abc",
        text="Title\n\nBiden spoke.",
        title="Title",
        outlet="Wire",
        published=date(2024, 11, 19),
        language="en",
        sentences=[Sentence(0, 5, "Title"), Sentence(7, 19, "Biden spoke.")],
        tokens=[Token(0, 5, "Title")],
        mentions=[Mention(7, 12, "Biden", "PERSON", 1, "person:joe-biden")],
        entities=[Entity("person:joe-biden", "Joe Biden", "PERSON", ["Biden"], [0])],
        narratives=NarrativeResult(
            domain="URW",
            labels=[
                NarrativeLabel(
                    "URW: X", "narrative", 0.8, [Evidence(7, 19, "Biden spoke.", 0.5, 1)]
                )
            ],
            dominant="URW: X",
        ),
        framings=[
            Framing(
                "person:joe-biden", "Joe Biden", "Protagonist", 0.7, [RoleScore("Guardian", 0.6)]
            )
        ],
        techniques=[TechniqueSpan(7, 12, "Name_Calling,Labeling", 0.9, "Biden")],
    )
    data = json.loads(json.dumps(doc.to_dict()))
    back = Document.from_dict(data)
    assert back.tokens == []  # tokens are in-memory only
    back.tokens = doc.tokens
    assert back == doc


def test_a_copy_gets_its_own_stable_id_linked_to_the_original() -> None:
    from narrascope.document import as_copy

    doc = Document(id="abc", text="Same text.", source="mirror/a.txt")
    copy = as_copy(doc, "abc")
    assert copy.id != "abc" and copy.duplicate_of == "abc"
    assert as_copy(doc, "abc").id == copy.id  # a re-run finds the same row
    assert as_copy(Document(id="abc", text="Same text.", source="b.txt"), "abc").id != copy.id


def test_results_move_onto_a_copy_text_or_are_dropped() -> None:
    from narrascope.document import Framing, Mention, TechniqueSpan, results_on

    text = "Grozny lied. Lira helped."
    original = Document(
        id="o",
        text=text,
        mentions=[
            Mention(0, 6, "Grozny", "PERSON", 0, "p:g"),
            Mention(13, 17, "Lira", "PERSON", 1),
        ],
        framings=[
            Framing("p:g", "Grozny", "Antagonist", 0.9, mention=0),
            Framing("p:l", "Lira", "Protagonist", 0.8, mention=1),
            Framing("p:g", "Grozny", "Antagonist", 0.9),
        ],
        techniques=[TechniqueSpan(7, 11, "Name_Calling", 0.7)],
    )
    # the copy adds a byline before the text and lost the second sentence
    copy = Document(id="c", text="By staff.\n" + "Grozny lied.", source="c.txt", duplicate_of="o")
    moved = results_on(original, copy)
    assert moved.id == "c" and moved.text == copy.text
    assert copy.text[moved.mentions[0].start : moved.mentions[0].end] == "Grozny"
    assert [f.mention for f in moved.framings] == [0, -1]  # Lira's mention is gone
    (span,) = moved.techniques
    assert copy.text[span.start : span.end] == "lied"
    assert original.mentions[0].start == 0  # the original is untouched
