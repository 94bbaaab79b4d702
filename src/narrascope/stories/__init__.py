"""Stories: the same event across outlets and languages (issue 16).

Articles are grouped into stories (:mod:`._cluster`) with a learnt same-story
decision (:mod:`._similarity`). Claims (:mod:`._claims`) and the timeline
(:mod:`._timeline`) are pure functions of a story's ``Document`` objects: no store,
no model unless the caller passes an encoder.
"""

from narrascope.stories._claims import (
    Claim,
    ClaimGroup,
    ClaimReport,
    Figure,
    extract_claims,
    find_figures,
    flag_sides,
    group_claims,
)
from narrascope.stories._cluster import (
    CandidateIndex,
    ClusterUpdate,
    MemoryCandidateIndex,
    StoryClusterer,
)
from narrascope.stories._similarity import (
    MODEL_PATH,
    SameStoryModel,
    StoryArticle,
    load_encoder,
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
    "MODEL_PATH",
    "CandidateIndex",
    "Claim",
    "ClaimGroup",
    "ClaimReport",
    "ClusterUpdate",
    "DateMention",
    "Event",
    "Figure",
    "MemoryCandidateIndex",
    "SameStoryModel",
    "StoryArticle",
    "StoryClusterer",
    "TimelineEntry",
    "build_timeline",
    "date_mentions",
    "extract_claims",
    "extract_events",
    "find_figures",
    "flag_sides",
    "group_claims",
    "load_encoder",
]
