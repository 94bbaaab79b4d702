"""Pipeline configuration: which stages run, built from which registered factory.

A config file (TOML) names stages by versioned factory, so swapping a model is
a config edit, not a code change::

    [pipeline]
    stages = ["nlp", "embeddings", "framing", "narratives", "techniques"]

    [stages.nlp]
    factory = "narrascope.nlp.v1"
    n_process = 2

The CLI's ``--stages`` / ``--disable`` options edit the same list.
"""

from __future__ import annotations

import importlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from narrascope.errors import ConfigError
from narrascope.pipeline import StageInfo

__all__ = ["BUILTIN_STAGES", "DEFAULT_STAGES", "Config", "load_config"]

#: stage name → (default factory, module whose import registers it)
BUILTIN_STAGES: dict[str, tuple[str, str]] = {
    "nlp": ("narrascope.nlp.v1", "narrascope.nlp"),
    "embeddings": ("narrascope.embeddings.v1", "narrascope.nlp._embed"),
    "narratives": ("narrascope.narratives.v1", "narrascope.narratives"),
    "framing": ("narrascope.framing.v1", "narrascope.framing"),
    "techniques": ("narrascope.techniques.v1", "narrascope.techniques"),
}
DEFAULT_STAGES: tuple[str, ...] = ("nlp", "embeddings", "framing", "narratives", "techniques")


@dataclass
class Config:
    """What to run; ``params`` per stage are passed to its factory."""

    stages: list[str] = field(default_factory=lambda: list(DEFAULT_STAGES))
    factories: dict[str, str] = field(default_factory=dict)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    batch_size: int = 16

    def with_stages(
        self, only: list[str] | None = None, disable: list[str] | None = None
    ) -> Config:
        """A copy restricted to ``only`` (keeping configured order) minus ``disable``."""
        stages = list(self.stages)
        for name in [*(only or []), *(disable or [])]:
            if name not in BUILTIN_STAGES and name not in self.factories:
                raise ConfigError(f"unknown stage {name!r} (known: {', '.join(self.known)})")
        if only:
            stages = [s for s in [*stages, *only] if s in only]
            stages = list(dict.fromkeys(stages))
        if disable:
            stages = [s for s in stages if s not in disable]
        return Config(stages, dict(self.factories), dict(self.params), self.batch_size)

    @property
    def known(self) -> list[str]:
        return sorted({*BUILTIN_STAGES, *self.factories})

    def stage_infos(self) -> list[StageInfo]:
        """Resolve each stage to its factory, importing built-in modules to register them."""
        infos: list[StageInfo] = []
        for name in self.stages:
            factory = self.factories.get(name)
            if name in BUILTIN_STAGES:
                default_factory, module = BUILTIN_STAGES[name]
                factory = factory or default_factory
                try:
                    importlib.import_module(module)
                except ImportError as exc:
                    raise ConfigError(f"stage {name!r} is not available: {exc}") from exc
            if not factory:
                raise ConfigError(f"stage {name!r} has no factory")
            infos.append(StageInfo(name, factory, dict(self.params.get(name, {}))))
        return infos


def load_config(path: Path | None) -> Config:
    """Read a TOML config; ``None`` gives the defaults."""
    if path is None:
        return Config()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from exc
    pipeline = data.get("pipeline", {})
    stages = pipeline.get("stages", list(DEFAULT_STAGES))
    factories: dict[str, str] = {}
    params: dict[str, dict[str, Any]] = {}
    for name, table in data.get("stages", {}).items():
        table = dict(table)
        if "factory" in table:
            factories[name] = str(table.pop("factory"))
        params[name] = table
    return Config(list(stages), factories, params, int(pipeline.get("batch_size", 16)))
