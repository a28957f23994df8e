"""The command line as users run it: exit codes, messages, untouched outputs."""

from __future__ import annotations

import os

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


def _listed_commands(help_text: str) -> dict[str, str]:
    """The commands of a help text's list, with their descriptions (a wrapped one counts as '')."""
    lines = help_text.splitlines()
    start = lines.index("  COMMAND") + 1
    commands = {}
    for index in range(start, len(lines)):
        line = lines[index]
        if not line.startswith("    ") or line.startswith("      "):
            break
        name, _, description = line.strip().partition(" ")
        wrapped = index + 1 < len(lines) and lines[index + 1].startswith(" " * 14)
        commands[name] = "" if wrapped else description.strip()
    return commands


def test_help_lists_every_command_on_one_line_with_examples():
    result = run_nrbook("--help", env={**os.environ, "COLUMNS": "80"})
    assert result.returncode == 0
    commands = _listed_commands(result.stdout)
    assert {"build", "check", "sheets", "export", "serve", "new"} <= set(commands)
    assert all(commands.values()), f"a command without a one-line description: {commands}"
    examples = result.stdout.split("examples:", 1)[1]
    for command in commands:
        assert f"nrbook {command}" in examples, f"no example of {command} in nrbook --help"


def test_every_command_help_has_examples():
    environment = {**os.environ, "COLUMNS": "80"}
    commands = [[name] for name in _listed_commands(run_nrbook("--help", env=environment).stdout)]
    commands += [["new", "sheet"], ["new", "theme"]]
    for command in commands:
        result = run_nrbook(*command, "--help", env=environment)
        assert result.returncode == 0, command
        assert "example" in result.stdout, f"nrbook {' '.join(command)} --help has no example"
        after = result.stdout.split("example", 1)[1]
        assert f"nrbook {' '.join(command)}" in after, command


def test_serve_and_new_usage_errors_exit_2():
    assert run_nrbook("serve", "--port", "http").returncode == 2
    assert run_nrbook("serve", "--port", "70000").returncode == 2
    result = run_nrbook("serve", "--source", "nulle-part-ici", "--port", "0")
    assert result.returncode == 2 and "no source folder" in result.stderr
    assert run_nrbook("new", "chapter", "--title", "x").returncode == 2
