"""The command line as users run it: exit codes, messages, untouched outputs."""

from __future__ import annotations

from conftest import MINI, copy_book, run_nrbook


def test_version_and_help():
    result = run_nrbook("--version")
    assert result.returncode == 0 and result.stdout.startswith("nrbook ")
    result = run_nrbook("--help")
    assert result.returncode == 0 and "exit codes" in result.stdout and "build" in result.stdout


def test_usage_errors_exit_2():
    assert run_nrbook("build", "--format", "docx").returncode == 2
    assert run_nrbook("frobnicate").returncode == 2
    assert run_nrbook().returncode == 2


def test_check_on_good_sources(tmp_path):
    result = run_nrbook("check", "--source", str(MINI))
    assert result.returncode == 0, result.stderr
    assert "3 sheets" in result.stderr


def test_content_errors_exit_1_with_all_problems_and_outputs_untouched(tmp_path):
    source = copy_book(MINI, tmp_path / "book")
    out = tmp_path / "dist"
    assert run_nrbook("build", "--source", str(source), "--out", str(out), "--format", "html").returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (source / "alpha" / "deuxieme.md").write_text(
        (source / "alpha" / "deuxieme.md").read_text(encoding="utf-8")
        .replace("Prioritaire", "Urgente").replace("Facile", "Simple"), encoding="utf-8")
    (source / "preface.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    result = run_nrbook("build", "--source", str(source), "--out", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(lines) == 3, result.stderr
    assert any("deuxieme.md:4: error: unknown priority 'Urgente'" in line for line in lines)
    assert any("deuxieme.md:5: error: unknown difficulty 'Simple'" in line for line in lines)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_missing_source_folder_is_a_content_error(tmp_path):
    result = run_nrbook("check", "--source", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert "source folder does not exist" in result.stderr and "Traceback" not in result.stderr


def test_build_writes_the_requested_formats(tmp_path):
    out = tmp_path / "dist"
    result = run_nrbook("build", "--source", str(MINI), "--out", str(out), "--format", "html")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["mini.html"]
