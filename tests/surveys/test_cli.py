"""`shopcx surveys model` on the ECSI data against R plspm's figures, and its refusals of bad specs and CSVs."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from shopcx.cli import app

from .test_pls import ECSI_SPEC, ecsi_dir  # noqa: F401  (the fixture)

runner = CliRunner()
RTOL = 1e-5


def spec_file(tmp_path, spec: dict) -> str:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return str(path)


def issue_spec(**changes) -> dict:
    """The spec in the issue's shape: blocks, paths, scheme, scaled, index (no answer scale)."""
    spec = {k: v for k, v in ECSI_SPEC.items() if k != "scale"}
    return json.loads(json.dumps(spec)) | changes


def model(data, spec) -> object:
    return runner.invoke(app, ["surveys", "model", "--input", str(data), "--spec", spec, "--json"])


def reference(ecsi_dir, name):  # noqa: F811
    with open(ecsi_dir / name, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def test_the_ecsi_model_matches_r_plspm(ecsi_dir, tmp_path):  # noqa: F811
    done = model(ecsi_dir / "satisfaction.csv", spec_file(tmp_path, issue_spec()))
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout.strip().splitlines()[-1])

    _, effects = reference(ecsi_dir, "satisfaction.effects.csv")
    direct = {f"{r[1]}->{r[2]}": float(r[3]) for r in effects if float(r[3]) != 0}
    assert set(out["paths"]) == set(direct)
    for name, coef in direct.items():
        assert out["paths"][name] == pytest.approx(coef, rel=RTOL), name
    assert out["paths"]["VAL->SAT"] == pytest.approx(0.5893, abs=1e-4)

    _, outer = reference(ecsi_dir, "satisfaction.outer-model.csv")
    assert len(out["outer"]) == 27
    for name, _block, weight, loading, *_ in outer:
        assert out["outer"][name]["weight"] == pytest.approx(float(weight), rel=RTOL), name
        assert out["outer"][name]["loading"] == pytest.approx(float(loading), rel=RTOL), name

    _, summary = reference(ecsi_dir, "satisfaction.inner-summary.csv")
    for lv, _type, r2, *_ in summary:
        assert out["r2"][lv] == pytest.approx(float(r2), rel=RTOL, abs=1e-8), lv
    assert out["gof"] == pytest.approx(0.6097, abs=1e-4)

    # The index by hand from R's outer weights of SAT: Σ(w/Σw)·x on the answers' scale 0–10, mean × 10.
    header, rows = reference(ecsi_dir, "satisfaction.csv")
    sat = [n for n in header if n.startswith("sat")]
    w = np.array([float(r[2]) for r in outer if r[1] == "SAT"])
    x = np.array([[float(r[header.index(n)]) for n in sat] for r in rows])
    assert out["index"] == pytest.approx(float((x @ (w / w.sum())).mean() * 10), rel=RTOL)
    assert out["index_scale"] == [0, 10] and out["index_scale_inferred"] is True


def test_the_answer_scale_can_be_given(ecsi_dir, tmp_path):  # noqa: F811
    wide = model(ecsi_dir / "satisfaction.csv", spec_file(tmp_path, issue_spec(scale=[0, 20])))
    narrow = model(ecsi_dir / "satisfaction.csv", spec_file(tmp_path, issue_spec()))
    a, b = (json.loads(r.stdout.strip().splitlines()[-1]) for r in (wide, narrow))
    assert a["index"] == pytest.approx(b["index"] / 2, rel=1e-9) and a["index_scale_inferred"] is False


@pytest.mark.parametrize(("change", "named"), [
    ({"blocks": ECSI_SPEC["blocks"] | {"SAT": {"items": ["sat1", "satx"]}}}, "satx"),
    ({"blocks": ECSI_SPEC["blocks"] | {"VAL": {"items": []}}}, "block VAL has no items"),
    ({"paths": [*ECSI_SPEC["paths"], ["LOY", "IMAG"]]}, "cycle"),
    ({"index": "HAPPY"}, "'HAPPY' is not a block"),
])
def test_bad_specs_are_refused_naming_the_block_or_column(ecsi_dir, tmp_path, change, named):  # noqa: F811
    done = model(ecsi_dir / "satisfaction.csv", spec_file(tmp_path, issue_spec(**change)))
    assert done.exit_code == 2
    assert named in done.output and "Traceback" not in done.output


def test_a_cycle_is_named_by_its_blocks(ecsi_dir, tmp_path):  # noqa: F811
    done = model(ecsi_dir / "satisfaction.csv",
                 spec_file(tmp_path, issue_spec(paths=[*ECSI_SPEC["paths"], ["LOY", "IMAG"]])))
    assert done.exit_code == 2 and "LOY → IMAG" in done.output  # the only edge that closes a cycle


def test_a_bad_csv_cell_is_named_by_line_and_column(tmp_path):
    rows = [["id", "a1", "a2", "b1", "b2"]] + [[str(i), str(i % 5 + 1), str((i * 3) % 5 + 1), str((i * 7) % 5 + 1),
                                                 str((i * 2) % 5 + 1)] for i in range(20)]
    rows[7][3] = "五"
    data = tmp_path / "answers.csv"
    with data.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    spec = {"blocks": {"A": {"items": ["a1", "a2"]}, "B": {"items": ["b1", "b2"]}}, "paths": [["A", "B"]]}
    done = model(data, spec_file(tmp_path, spec))
    assert done.exit_code == 2 and "line 8" in done.output and "b1" in done.output


def test_it_runs_as_a_process_without_a_database(ecsi_dir, tmp_path):  # noqa: F811
    env = os.environ | {"SHOPCX_DATABASE_URL": f"sqlite:///{tmp_path}/never.db", "PYTHONPATH": "src"}
    done = subprocess.run([sys.executable, "-m", "shopcx", "surveys", "model", "--input",
                           str(ecsi_dir / "satisfaction.csv"), "--spec", spec_file(tmp_path, issue_spec())],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "VAL → SAT" in done.stdout and "0.5893" in done.stdout and "GoF 0.6097" in done.stdout
    assert not (tmp_path / "never.db").exists()  # no database was opened, let alone created
