"""Pipeline core: stage protocol, registry of stage factories, and the runner."""

from narrascope.pipeline._core import (
    INGEST_ATTRIBUTES,
    BaseStage,
    Pipeline,
    Stage,
    StageInfo,
    minibatch,
    registry,
)

__all__ = [
    "INGEST_ATTRIBUTES",
    "BaseStage",
    "Pipeline",
    "Stage",
    "StageInfo",
    "minibatch",
    "registry",
]
