"""Hand-written articles shared by the tests (never corpus text)."""

# ruff: noqa: E501

from __future__ import annotations

from pathlib import Path

from narrascope.document import Document, Entity, Mention, Sentence

KYIV_ARTICLE = """date: 2024-11-19
Biden clears long-range strikes as Moscow warns of escalation

U.S. President Joe Biden has authorised Ukraine to fire ATACMS missiles at targets inside Russia, officials said on Tuesday. Biden's decision follows months of appeals from Kyiv. President Biden also approved the delivery of anti-personnel land mines.

Volodymyr Zelensky thanked Washington for the decision. Zelenskiy said the missiles would "speak for themselves". In a video address, Zelenskyy added that Ukrainian cities deserve protection.

The Kremlin said the move would pour fuel on the fire. Moscow warned that the U.S. President was dragging NATO into the conflict.
"""

PRO_KREMLIN_ARTICLE = """Western warmongers push the world to the brink

The reckless regime in Kyiv and its puppet masters in Washington have once again shown their true face. Vladimir Putin signed the updated nuclear doctrine on Tuesday, a calm and measured answer to NATO aggression. Putin has always sought peace, while the Pentagon sends more weapons to prolong the bloodshed. A reader wrote: <script>alert("x")</script> & "quotes" stay text.
"""

CLIMATE_ARTICLE = """Summit ends with a deal on coal phase-out

Delegates at the climate summit agreed on Friday to phase out unabated coal power by 2040. Scientists welcomed the agreement, while critics said it came too late. The United Nations said the deal keeps the 1.5 degree goal within reach.
"""


def write_corpus(root: Path) -> Path:
    """A tiny corpus on disk: two outlets as folders, .txt files."""
    (root / "kyiv-ledger").mkdir(parents=True, exist_ok=True)
    (root / "pravda-front").mkdir(parents=True, exist_ok=True)
    (root / "green-times").mkdir(parents=True, exist_ok=True)
    (root / "kyiv-ledger" / "biden-atacms.txt").write_text(KYIV_ARTICLE, encoding="utf-8")
    (root / "pravda-front" / "warmongers.txt").write_text(PRO_KREMLIN_ARTICLE, encoding="utf-8")
    (root / "green-times" / "summit.txt").write_text(CLIMATE_ARTICLE, encoding="utf-8")
    return root


def write_emoji_gold(root: Path) -> Path:
    """A one-article subtask-1 gold folder (official layout) with an emoji before the mentions.

    The emoji is one Python character but two UTF-16 units, so the gold offsets
    (UTF-16, inclusive end) are one more than the Python ones: a reader that
    ignores this misplaces both mentions.
    """
    raw = root / "EN" / "raw-documents"
    raw.mkdir(parents=True)
    text = "Title \U0001f525\n\nCaptain Lira defended the bridge. Tyrannia bombed the city."
    (raw / "EN_UA_9.txt").write_text(text, encoding="utf-8")
    lira, tyr = text.index("Captain Lira"), text.index("Tyrannia")
    ann = [
        f"EN_UA_9.txt\tCaptain Lira\t{lira + 1}\t{lira + 1 + 11}\tProtagonist\tGuardian",
        f"EN_UA_9.txt\tTyrannia\t{tyr + 1}\t{tyr + 1 + 7}\tAntagonist\tInstigator",
    ]
    (root / "EN" / "subtask-1-annotations.txt").write_text("\n".join(ann) + "\n", encoding="utf-8")
    return root


def merged_doc(with_object: bool = False) -> Document:
    """An article whose "Captain Lira" and "Lira" the alias merger made one entity.

    ``with_object`` adds a mention of a thing ("bridge", no entity) that no framing
    backend may score.
    """
    text = "Captain Lira defended the bridge. Later, Lira saved the wounded. Tyrannia bombed it."
    doc = Document(id="d1", text=text, language="en")
    doc.sentences = [
        Sentence(0, 33, text[:33]),
        Sentence(34, 64, text[34:64]),
        Sentence(65, len(text), text[65:]),
    ]
    doc.mentions = [
        Mention(0, 12, "Captain Lira", "PERSON", 0, "lira"),
        Mention(41, 45, "Lira", "PERSON", 1, "lira"),
        Mention(65, 73, "Tyrannia", "GPE", 2, "tyrannia"),
    ]
    if with_object:
        doc.mentions.append(Mention(20, 26, "bridge", "FAC", 0, ""))
    doc.entities = [
        Entity("lira", "Captain Lira", "PERSON", ["Lira"], [0, 1]),
        Entity("tyrannia", "Tyrannia", "GPE", [], [2]),
    ]
    return doc
