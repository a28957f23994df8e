"""Broken sources (tests/bad_input/*): each gives path:line: message with a hint, exit 1,
no traceback, and the previous outputs unchanged."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from conftest import MINI

from nrbook.cli import main

CASES = sorted((Path(__file__).parent / "bad_input").iterdir())


@pytest.fixture(scope="module")
def previous_dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("previous-dist")
    assert main(["build", "--source", str(MINI), "--out", str(out), "--format", "html", "-q"]) == 0
    return out


def test_there_are_at_least_25_cases():
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_source_is_reported_precisely(case, tmp_path, previous_dist, capsys):
    spec = tomllib.loads((case / "case.toml").read_text(encoding="utf-8"))
    source = tmp_path / "book"
    shutil.copytree(MINI, source)
    if (case / "files").is_dir():
        shutil.copytree(case / "files", source, dirs_exist_ok=True)
    if "generate" in spec:
        target = source / spec["generate"]["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        line = "Une phrase de remplissage, répétée pour atteindre la taille voulue.\n"
        target.write_text("---\ntitle: Énorme\n---\n" + line * (spec["generate"]["megabytes"] * 2**20 // len(line)),
                          encoding="utf-8")
    out = tmp_path / "dist"
    shutil.copytree(previous_dist, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    code = main(["build", "--source", str(source), "--out", str(out), *spec.get("args", [])])
    stderr = capsys.readouterr().err

    assert code == 1, stderr
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    for expected in spec["expect"]:
        relative = expected.split(":", 1)
        located = f"{source / relative[0]}:{relative[1]}" if ":" in expected else expected
        shown = [line for line in lines if expected in line or located in line
                 or _relative(line, source).startswith(expected)]
        assert shown, f"expected {expected!r} in:\n{stderr}"
    for line in lines:
        if ": error: " in line:
            assert line.rstrip().endswith(")"), f"every error carries a hint in parentheses: {line}"
    assert lines[-1].startswith("nrbook: ") and "nothing was written" in lines[-1]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def _relative(line: str, source: Path) -> str:
    for prefix in (str(source) + "/", str(source.resolve()) + "/"):
        if prefix in line:
            return line.split(prefix, 1)[1]
    return line
