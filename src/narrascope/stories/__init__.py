"""Stories: the same event across outlets and languages.

This package groups articles into stories (:mod:`._cluster`) with a learnt
same-story decision (:mod:`._similarity`).
"""

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

__all__ = [
    "MODEL_PATH",
    "CandidateIndex",
    "ClusterUpdate",
    "MemoryCandidateIndex",
    "SameStoryModel",
    "StoryArticle",
    "StoryClusterer",
    "load_encoder",
]
