"""Dashboards as code: a broken file names the file, the field and the reason; the CLI validates,
exports and imports; the round trip is lossless; variable values outside the options are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from data.dashboards import SpecError, from_json, load_all, parse, to_json, to_yaml

GOOD = {
    "slug": "sales",
    "title": "Sales",
    "teams": ["sales"],
    "rows": [{"panels": [
        {"id": "a", "type": "stat", "title": "A", "queries": [{"expr": "up"}]},
        {"id": "b", "type": "timeseries", "title": "B", "queries": [{"expr": "up"}],
         "thresholds": [{"value": None, "color": "green"}, {"value": 5, "color": "red"}]},
    ]}],
}  # fmt: skip


def write(tmp_path: Path, spec: dict | str, name: str = "sales.yaml") -> Path:
    path = tmp_path / name
    path.write_text(spec if isinstance(spec, str) else yaml.safe_dump(spec))
    return path


def broken(change) -> dict:
    spec = json.loads(json.dumps(GOOD))
    change(spec)
    return spec


CASES = [
    (lambda s: s["rows"][0]["panels"][1]["thresholds"][1].update(value="high"),
     "rows[0].panels[1].thresholds[1].value: must be a number"),
    (lambda s: s["rows"][0]["panels"][0].update(type="piechart"),
     "rows[0].panels[0].type: 'piechart' is not a panel type; one of: alerts, bar"),
    (lambda s: s["rows"][0]["panels"][0].pop("title"), "rows[0].panels[0].title: is required"),
    (lambda s: s["rows"][0]["panels"][0].update(colour="red"),
     "rows[0].panels[0].colour: is not a field of this object (a typo?)"),
    (lambda s: s["rows"][0]["panels"][0].update(queries=[]),
     "rows[0].panels[0]: a stat panel needs at least one query"),
    (lambda s: s["rows"][0]["panels"][0]["queries"][0].update(sql="SELECT 1"),
     "queries[0]: a query needs exactly one of expr (PromQL) or sql"),
    (lambda s: s.update(teams=["marketing"]), "teams[0]: Input should be"),
    (lambda s: s.update(time_from="yesterday"), "time_from: 'yesterday' is not a time"),
    (lambda s: s.update(refresh="2s"), "refresh: Input should be"),
    (lambda s: s["rows"][0]["panels"][1].update(id="a"), "panel id 'a' is used twice"),
    (lambda s: s["rows"][0]["panels"][0].update(width=13),
     "rows[0].panels[0].width: Input should be less than or equal to 12"),
    (lambda s: s.update(variables=[{"name": "x", "type": "sql"}]),
     "variables[0]: a sql variable needs `sql`"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "message"), CASES)
def test_spec001_each_mistake_gives_file_field_and_reason(tmp_path, change, message):
    path = write(tmp_path, broken(change))
    with pytest.raises(SpecError) as err:
        parse(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)
    assert "Traceback" not in str(err.value)


def test_spec002_bad_yaml_and_wrong_slug(tmp_path):
    with pytest.raises(SpecError, match=r"not valid YAML \(line 2, column"):
        parse(write(tmp_path, "slug: sales\n  title: [oops\n"))
    with pytest.raises(SpecError, match="slug: must equal the file name"):
        parse(write(tmp_path, GOOD, "other.yaml"))


def test_spec003_app_refuses_to_start_with_a_broken_dashboard(tmp_path):
    from app import create_app
    from settings import Settings
    from tests.fixtures.app import TEST_SECRET

    write(tmp_path, broken(lambda s: s.update(refresh="2s")))
    with pytest.raises(SystemExit) as stop:
        create_app(Settings(var_dir=tmp_path, dashboards_dir=tmp_path, secret_key=TEST_SECRET))
    assert "Dashboards could not be loaded" in str(stop.value)
    assert "sales.yaml: refresh:" in str(stop.value)


@pytest.mark.parametrize("slug", sorted(load_all()))
def test_spec004_round_trip_is_lossless(tmp_path, slug):
    dashboard = load_all()[slug]
    assert from_json(to_json(dashboard)) == dashboard
    assert parse(write(tmp_path, to_yaml(dashboard), f"{slug}.yaml")) == dashboard


def test_spec005_cli_validate_export_import(tmp_path):
    from app import app

    runner = CliRunner()
    cli = app.server.cli
    result = runner.invoke(cli, ["dashboards", "validate"])
    assert result.exit_code == 0 and "17 dashboards" in result.output
    out = tmp_path / "sales.json"
    result = runner.invoke(cli, ["dashboards", "export", "sales-performance", "--out", str(out)])
    assert result.exit_code == 0, result.output
    target = tmp_path / "imported"
    target.mkdir()
    result = runner.invoke(cli, ["dashboards", "import", str(out), "--dir", str(target)])
    assert result.exit_code == 0, result.output
    assert parse(target / "sales-performance.yaml") == load_all()["sales-performance"]
    again = runner.invoke(cli, ["dashboards", "import", str(out), "--dir", str(target)])
    assert again.exit_code != 0 and "pass --force" in again.output
    write(target, broken(lambda s: s.update(refresh="2s")))
    bad = runner.invoke(cli, ["dashboards", "validate", "--dir", str(target)])
    assert bad.exit_code == 1 and "sales.yaml: refresh:" in bad.output
