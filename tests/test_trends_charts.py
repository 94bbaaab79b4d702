"""The trends charts (web/_charts.py) and commands (cli/_trends.py): hostile names
escaped, long names cut with the whole name in a <title>, JSON and CSV shapes."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narrascope.cli._main import app
from narrascope.store import Database, to_url
from narrascope.web._charts import (
    entity_roles_data,
    entity_roles_svg,
    narratives_over_time_data,
    narratives_over_time_svg,
    outlet_heatmap_data,
    outlet_heatmap_svg,
    outlet_map_data,
    outlet_map_svg,
)
from test_trends import ASSIGNS, BLAME, HOSTILE, corpus, make_doc

EVIL_ENTITY = "<img src=x onerror=alert(1)> Evil"
LONG_OUTLET = "The Extraordinarily Long-Named Daily Chronicle of Everything That Happens"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "t.db"
    database = Database(to_url(path))
    docs = corpus()
    docs.append(make_doc("e1", HOSTILE, date(2025, 1, 3), [BLAME], entity=EVIL_ENTITY))
    docs.append(make_doc("e2", HOSTILE, date(2025, 1, 4), [BLAME], entity=EVIL_ENTITY))
    docs.append(make_doc("l1", LONG_OUTLET, date(2025, 1, 4), [BLAME]))
    docs.append(make_doc("l2", LONG_OUTLET, date(2025, 1, 5), [BLAME]))
    database.save_documents(docs, ASSIGNS)
    database.close()
    return path


def _charts(db: Database) -> list[str]:
    return [
        str(narratives_over_time_svg(narratives_over_time_data(db, "week"))),
        str(outlet_heatmap_svg(outlet_heatmap_data(db))),
        str(outlet_map_svg(outlet_map_data(db))),
        str(entity_roles_svg(entity_roles_data(db, "evil", interval="day"))),
        str(entity_roles_svg(entity_roles_data(db, "zelensky", interval="week"))),
    ]


def test_charts_escape_hostile_names_and_are_valid_svg(db_path: Path) -> None:
    db = Database(db_path, read_only=True)
    charts = _charts(db)
    for svg in charts:
        assert "<script" not in svg and "<img" not in svg
        root = ET.fromstring(svg)  # well-formed: nothing broke out of a text node
        assert root.tag.endswith("svg")
        texts = " ".join(t for t in root.itertext())
        assert "onerror" not in svg or "&lt;img" in svg
        assert texts  # something is labelled
    joined = "".join(charts)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in joined  # shown, as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in joined
    # a long outlet name is cut on the chart and whole in its <title>
    heat = ET.fromstring(charts[1])
    labels = [
        t
        for t in heat.iter()
        if t.tag.endswith("text") and "Extraordinarily" in "".join(t.itertext())
    ]
    assert labels and any(
        c.tag.endswith("title") and c.text == LONG_OUTLET for t in labels for c in t
    )
    shown = [c.tail or "" for t in labels for c in t if c.tag.endswith("title")]
    assert shown and all(0 < len(s) <= 26 and s.endswith("…") for s in shown)
    db.close()


def test_chart_data_is_json(db_path: Path) -> None:
    db = Database(db_path, read_only=True)
    area = narratives_over_time_data(db, "week", top=1)
    assert area["layers"][0]["key"] == BLAME and area["layers"][-1]["key"] == "(all other labels)"
    assert len(area["layers"][0]["values"]) == len(area["periods"])
    heat = outlet_heatmap_data(db)
    assert len(heat["shares"]) == len(heat["outlets"])
    points = outlet_map_data(db)["points"]
    assert {p["name"] for p in points} >= {"Alpha", "Beta", "Gamma", HOSTILE}
    roles = entity_roles_data(db, "зеленский", interval="week")
    assert roles is not None and roles["periods"][0] == "2024-12-16"
    assert entity_roles_data(db, "nobody") is None
    for data in (area, heat, points, roles):
        json.dumps(data)
    db.close()


def test_empty_database_draws_messages(tmp_path: Path) -> None:
    db = Database(to_url(tmp_path / "e.db"))
    assert "No dated article" in str(narratives_over_time_svg(narratives_over_time_data(db)))
    assert "No outlet" in str(outlet_heatmap_svg(outlet_heatmap_data(db)))
    assert "No outlet" in str(outlet_map_svg(outlet_map_data(db)))
    assert "No dated framing" in str(entity_roles_svg(None))
    db.close()


# ------------------------------------------------------------------ CLI
def _run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_cli_json_shapes(db_path: Path) -> None:
    db = str(db_path)
    outlets = json.loads(_run("outlets", "--db", db, "--json"))
    assert {"name", "articles", "languages", "group", "declared_leaning"} <= set(outlets[0])
    profile = json.loads(_run("outlet", "alpha", "--db", db, "--json"))
    for key in ("name", "articles", "languages", "narratives", "techniques_per_1000_words"):
        assert key in profile
    assert {"framing", "group", "nearest_outlets"} <= set(profile)
    ent = json.loads(_run("entity", "ZELENSKY", "--db", db, "--json"))
    assert {"id", "name", "aliases", "by_outlet", "over_time"} <= set(ent)
    assert {"Protagonist", "Antagonist", "Innocent", "quotes"} <= set(ent["by_outlet"]["Alpha"])
    series = json.loads(_run("trends", "--db", db, "--interval", "month", "--json"))
    assert set(series) >= {"interval", "series", "undated"}
    assert {"key", "outlet", "points"} <= set(series["series"][0])
    assert {"period", "articles", "share"} == set(series["series"][0]["points"][0])
    assert series["undated"] == 1
    assert json.loads(_run("trends", "--db", db, "--emerging", "--json")) == []


def test_cli_csv_one_row_per_period_and_a_column_per_outlet(db_path: Path) -> None:
    text = _run("trends", "--db", str(db_path), "--interval", "month", "--csv")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert header[:2] == ["period", "key"] and header[-1] == "all"
    assert {"Alpha", "Beta", "Gamma"} <= set(header)
    # a hostile outlet name cannot start a spreadsheet formula; it is a column all the same
    assert any("script" in h for h in header)
    blame = {r[0]: r for r in rows[1:] if r[1] == BLAME}
    assert sorted(blame) == ["2024-12-01", "2025-01-01"]
    alpha = header.index("Alpha")
    assert int(blame["2024-12-01"][alpha]) + int(blame["2025-01-01"][alpha]) == 11


def test_cli_errors_name_the_argument(db_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["trends", "--db", str(db_path), "--interval", "year"])
    assert result.exit_code == 1 and "--interval 'year'" in result.output
    result = runner.invoke(app, ["trends", "--db", str(db_path), "--by", "colour"])
    assert result.exit_code == 1 and "--by 'colour'" in result.output
    result = runner.invoke(app, ["outlet", "Nobody", "--db", str(db_path)])
    assert result.exit_code == 1 and "no outlet named 'Nobody'" in result.output
    result = runner.invoke(app, ["entity", "Nobody", "--db", str(db_path)])
    assert result.exit_code == 1 and "no entity named" in result.output
    result = runner.invoke(app, ["trends", "--db", str(db_path), "--since", "yesterday"])
    assert result.exit_code == 1 and "--since" in result.output


def test_report_has_trends_outlet_and_entity_sections_escaped(db_path: Path) -> None:
    from narrascope.web import render_report
    from narrascope.web._charts import report_trends

    db = Database(db_path, read_only=True)
    trends = report_trends(db)
    html = render_report(db.load_documents(), trends=trends)
    db.close()
    for anchor in ('id="trends"', 'id="outlets"', 'id="entities"', 'href="#trends"'):
        assert anchor in html
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Volodymyr Zelensky" in html and "Nearest outlets" in html
    assert render_report([], trends=None).count('id="trends"') == 0


def test_analyze_stores_declared_outlets_groups_and_the_summary(
    corpus_dir: Path, tmp_path: Path
) -> None:
    from sqlalchemy import text

    from narrascope.app import Narrascope
    from narrascope.config import Config
    from narrascope.ingest import IngestOptions, load_outlets

    outlets = tmp_path / "outlets.csv"
    outlets.write_text("name,domains,country,leaning\nKyiv Ledger,kyivledger.example,UA,pro-UA\n")
    app_ = Narrascope(tmp_path / "a.db", Config(stages=[]))  # no model: ingest and store
    app_.stories = False
    app_.analyze([str(corpus_dir)], options=IngestOptions(outlets=load_outlets(outlets)))
    with app_.db.engine.connect() as conn:
        declared = conn.execute(
            text(
                "SELECT country, declared_leaning, domains FROM outlets WHERE name = 'Kyiv Ledger'"
            )
        ).one()
        built = conn.execute(text("SELECT articles FROM trend_state")).scalar()
        kinds = set(conn.execute(text("SELECT DISTINCT kind FROM trend_counts")).scalars())
    assert tuple(declared) == ("UA", "pro-UA", '["kyivledger.example"]')
    assert built == 3 and "articles" in kinds
    app_.db.close()
