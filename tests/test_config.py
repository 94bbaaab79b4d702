"""Pipeline configuration: TOML files, stage selection, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrascope.config import DEFAULT_STAGES, Config, load_config
from narrascope.errors import ConfigError
from narrascope.pipeline import Pipeline


def test_defaults_build_a_valid_pipeline_order() -> None:
    infos = Config().stage_infos()
    assert [i.name for i in infos] == list(DEFAULT_STAGES)
    assert infos[0].factory == "narrascope.nlp.v1"


def test_toml_config_sets_stages_factories_and_params(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.toml"
    path.write_text(
        '[pipeline]\nstages = ["nlp", "embeddings"]\nbatch_size = 4\n\n'
        '[stages.nlp]\nfactory = "narrascope.nlp.v1"\nn_process = 1\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.stages == ["nlp", "embeddings"]
    assert config.batch_size == 4
    assert config.params["nlp"] == {"n_process": 1}
    pipeline = Pipeline.from_config(config.stage_infos())
    assert pipeline.names == ["nlp", "embeddings"]


def test_only_and_disable_keep_the_configured_order() -> None:
    config = Config().with_stages(["techniques", "nlp"])
    assert config.stages == ["nlp", "techniques"]
    assert "framing" not in Config().with_stages(disable=["framing"]).stages


def test_unknown_stage_and_bad_file_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown stage 'nope'"):
        Config().with_stages(["nope"])
    bad = tmp_path / "bad.toml"
    bad.write_text("[pipeline\nstages = ", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml: cannot read config"):
        load_config(bad)


def test_a_stage_without_its_requirement_fails_before_any_input() -> None:
    with pytest.raises(ConfigError, match="requires"):
        Pipeline.from_config(Config(stages=["framing"]).stage_infos())
