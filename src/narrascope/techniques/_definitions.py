"""The 14 PTC technique classes: display names, one-line definitions and colours.

The definitions are ours (written for the report's hover text), paraphrasing the technique
descriptions of Da San Martino et al. (2019/2020) in one line each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["TECHNIQUES", "TechniqueInfo", "display_name", "named_techniques", "technique_info"]


@dataclass(frozen=True, slots=True)
class TechniqueInfo:
    """How the report shows one technique class."""

    id: str
    name: str
    definition: str
    colour: str

    @property
    def css_class(self) -> str:
        """A CSS-safe class name derived from the id (letters, digits and dashes only)."""
        return "tq-" + re.sub(r"[^a-z0-9]+", "-", self.id.lower()).strip("-")


TECHNIQUES: dict[str, TechniqueInfo] = {
    t.id: t
    for t in (
        TechniqueInfo(
            "Loaded_Language",
            "Loaded language",
            "Words with strong emotional connotations used to sway the reader rather than inform.",
            "#f4a261",
        ),
        TechniqueInfo(
            "Name_Calling,Labeling",
            "Name calling / labelling",
            "Attaching a label the audience fears, hates or loves to a person or group.",
            "#e76f51",
        ),
        TechniqueInfo(
            "Repetition",
            "Repetition",
            "Saying the same message over and over so that the audience comes to accept it.",
            "#a8dadc",
        ),
        TechniqueInfo(
            "Exaggeration,Minimisation",
            "Exaggeration / minimisation",
            "Making something look bigger, better or worse than it is, or downplaying it.",
            "#ffd166",
        ),
        TechniqueInfo(
            "Doubt",
            "Doubt",
            "Questioning the credibility of someone or something without evidence.",
            "#b5838d",
        ),
        TechniqueInfo(
            "Appeal_to_fear-prejudice",
            "Appeal to fear / prejudice",
            "Building support for an idea by stoking anxiety or prejudice about the alternative.",
            "#ef476f",
        ),
        TechniqueInfo(
            "Flag-Waving",
            "Flag-waving",
            "Justifying an idea by appealing to patriotism or the pride of a group.",
            "#118ab2",
        ),
        TechniqueInfo(
            "Causal_Oversimplification",
            "Causal oversimplification",
            "Blaming a single cause when an issue has many causes.",
            "#06d6a0",
        ),
        TechniqueInfo(
            "Appeal_to_Authority",
            "Appeal to authority",
            "Claiming something is true only because an authority or expert says so.",
            "#8ecae6",
        ),
        TechniqueInfo(
            "Slogans",
            "Slogans",
            "A brief, striking phrase that works on emotion and stereotypes instead of argument.",
            "#cdb4db",
        ),
        TechniqueInfo(
            "Whataboutism,Straw_Men,Red_Herring",
            "Whataboutism / straw man / red herring",
            "Deflecting by pointing at the opponent, distorting their view, or changing topic.",
            "#90be6d",
        ),
        TechniqueInfo(
            "Black-and-White_Fallacy",
            "Black-and-white fallacy",
            "Presenting two options as the only ones when more exist.",
            "#adb5bd",
        ),
        TechniqueInfo(
            "Thought-terminating_Cliches",
            "Thought-terminating cliché",
            "A stock phrase that discourages critical thought and ends the discussion.",
            "#f9c74f",
        ),
        TechniqueInfo(
            "Bandwagon,Reductio_ad_hitlerum",
            "Bandwagon / reductio ad Hitlerum",
            "Join in because everyone does, or reject an idea because hated people hold it.",
            "#577590",
        ),
    )
}


def _readable(code: str) -> str:
    """A label for a code outside the 14 classes, in the same style as theirs
    (``Straw_Men,Red_Herring`` → "Straw men / red herring")."""
    parts = [p.replace("_", " ").strip() for p in code.split(",")]
    text = " / ".join(p for p in parts if p) or code
    return text[:1].upper() + text[1:].lower() if text.isascii() else text


def technique_info(technique: str) -> TechniqueInfo:
    """Display info for ``technique`` (an unknown id gets a neutral grey entry)."""
    return TECHNIQUES.get(technique, TechniqueInfo(technique, _readable(technique), "", "#dddddd"))


def display_name(technique: str) -> str:
    """The one name every view shows for ``technique`` (CLI, CSV, JSON, report);
    the raw PTC code stays the key that files and scorers use."""
    return technique_info(technique).name


def named_techniques(data: dict[str, Any]) -> dict[str, Any]:
    """A ``Document.to_dict()`` with each technique span's display ``name`` added beside
    its raw ``technique`` code (a new key: readers of the existing keys are unaffected)."""
    spans = data.get("techniques")
    if spans:
        data["techniques"] = [{**span, "name": display_name(span["technique"])} for span in spans]
    return data
