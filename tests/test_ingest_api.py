"""The public API of narrascope.ingest: __all__ is accurate and complete."""

from __future__ import annotations

import inspect

import narrascope.ingest as ingest


def test_all_is_accurate() -> None:
    assert sorted(ingest.__all__) == sorted(set(ingest.__all__))
    for name in ingest.__all__:
        assert hasattr(ingest, name), name
    public = {
        name
        for name, value in vars(ingest).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert public == set(ingest.__all__)


def test_signatures_the_app_relies_on() -> None:
    params = inspect.signature(ingest.iter_inputs).parameters
    assert list(params) == ["inputs", "options", "stdin", "client"]
    assert params["stdin"].kind is inspect.Parameter.KEYWORD_ONLY
    options = ingest.IngestOptions()
    assert (options.outlet_from, options.max_bytes, options.timeout, options.retries) == (
        "auto",
        10_000_000,
        10.0,
        2,
    )
    assert options.field_map == {} and options.default_language is None
    index = ingest.NearDuplicateIndex()
    assert (index.threshold, index.num_perm) == (0.8, 128)
