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
