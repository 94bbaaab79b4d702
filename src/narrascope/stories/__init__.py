"""Stories: the same event across outlets and languages (issue 16).

Claims (``_claims``) and the timeline (``_timeline``) are pure functions of a story's
``Document`` objects: no store, no model unless the caller passes an encoder.
"""

from narrascope.stories._claims import (
    Claim,
    ClaimGroup,
    ClaimReport,
    Figure,
    extract_claims,
    find_figures,
    group_claims,
)
from narrascope.stories._timeline import (
    DateMention,
    Event,
    TimelineEntry,
    build_timeline,
    date_mentions,
    extract_events,
)

__all__ = [
    "Claim",
    "ClaimGroup",
    "ClaimReport",
    "DateMention",
    "Event",
    "Figure",
    "TimelineEntry",
    "build_timeline",
    "date_mentions",
    "extract_claims",
    "extract_events",
    "find_figures",
    "group_claims",
]
