"""deckgen.cli.main: building, bad input (path:line, exit 1, nothing written) and bad usage.

Every test runs in a throw-away project (tmp/pyproject.toml + tmp/content/) as cwd.
The bad inputs are files under tests/fixtures/bad/; `BAD_INPUTS` is the table of the first
stderr line each one must produce.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pptx import Presentation

import deckgen
from deckgen.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
BAD = FIXTURES / "bad"
GOOD = FIXTURES / "good.md"
REPO = Path(__file__).resolve().parent.parent

# fixture -> first stderr line, after "content/<fixture>:" (a prefix when the rest names a
# temporary folder).
BAD_INPUTS = {
    "front-matter.md": (
        "3: front matter is not valid YAML (mapping values are not allowed here): "
        "check the indentation and quote values that contain ':' or '#'"
    ),
    "chart-type.md": (
        "8: unknown chart type 'colonne' (did you mean \"column\"?); "
        "use one of: bar, column, line, pie"
    ),
    "chart-not-number.md": (
        "12: chart value for 'Radio' is '38 ans', not a number; "
        "write only the number and put the unit in 'unit:'"
    ),
    "latin1.md": (
        "5: not UTF-8 (byte 0xe9); re-save the file as UTF-8 "
        "(for example: iconv -f latin1 -t utf-8)"
    ),
    "empty.md": "1: the file is empty: write a front matter and some slides",
    "unclosed-div.md": (
        "9: unclosed block: '::: notes' opened here has no closing ':::' line; "
        "add ':::' alone on a line where the block ends"
    ),
    "bad-date.md": "3: ",
}
# Built anyway, with a warning at its line; --strict fails and writes nothing for them.
WARNED = {
    "missing-image.md": (
        "9: warning: picture 'images/logo.png' not found (looked for ",
        "a placeholder with its description is shown instead",
    ),
    "unknown-theme.md": (
        "3: warning: theme 'defautl' not found (did you mean \"default\"?)",
        "built with the 'default' theme",
    ),
}


def cases(test: str) -> list:
    return [pytest.param(name, id=name) for name in BAD_INPUTS]


# ---------------------------------------------------------------------------- helpers


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "content").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def no_traceback(err: str) -> None:
    assert "Traceback" not in err
    assert "internal error" not in err


def pptx_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.pptx")) if folder.exists() else []


def add(project: Path, fixture: Path, name: str | None = None) -> Path:
    target = project / "content" / (name or fixture.name)
    target.write_bytes(fixture.read_bytes())
    return target


# ---------------------------------------------------------------------------- good builds


def test_build_good_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add(project, GOOD, "x.md")
    code, out, err = run(capsys, "build")
    no_traceback(err)
    assert code == 0, err
    target = project / "build" / "default" / "x.pptx"
    assert target.is_file()
    # the built-in default theme is found although this project has no themes/ folder
    assert not (project / "themes").exists()
    prs = Presentation(str(target))
    assert len(prs.slides) >= 3
    assert out.splitlines()[0] == f"wrote build/default/x.pptx ({len(prs.slides)} slides)"
    assert "built 4 file(s)" in out  # the deck and the newsletter (.html, .txt, .eml)
    assert sorted(p.name for p in (project / "build" / "default").iterdir()) == [
        "x.eml",
        "x.html",
        "x.pptx",
        "x.txt",
    ]


def test_build_explicit_file_and_folder(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add(project, GOOD, "x.md")
    other = project / "more"
    other.mkdir()
    (other / "y.md").write_bytes(GOOD.read_bytes())
    code, out, err = run(capsys, "build", "content/x.md", "more")
    assert code == 0, err
    assert pptx_files(project / "build") == [
        project / "build" / "default" / "x.pptx",
        project / "build" / "default" / "y.pptx",
    ]


def test_out_dir(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add(project, GOOD, "x.md")
    code, out, err = run(capsys, "build", "--out", "dist")
    assert code == 0, err
    assert (project / "dist" / "default" / "x.pptx").is_file()
    assert not (project / "build").exists()
    assert "wrote dist/default/x.pptx" in out


def test_quiet(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add(project, GOOD, "x.md")
    code, out, _ = run(capsys, "build", "-q")
    assert code == 0 and out == ""
    assert (project / "build" / "default" / "x.pptx").is_file()


def test_nothing_to_build(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "build")
    assert code == 1
    assert "nothing to build" in err
    no_traceback(err)


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("name", cases("clean"))
def test_bad_input_fails_cleanly(
    project: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    add(project, BAD / name)
    code, out, err = run(capsys, "build")
    no_traceback(err)
    assert code == 1, err
    assert f"content/{name}:" in err
    assert "nothing was written" in err
    assert "wrote" not in out
    assert pptx_files(project / "build") == []
    assert pptx_files(project) == []


@pytest.mark.parametrize("name", cases("message"))
def test_bad_input_message(project: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    """The first stderr line is `path:line: message`, with the exact line."""
    add(project, BAD / name)
    _, _, err = run(capsys, "build", f"content/{name}")
    first = err.splitlines()[0]
    assert first.startswith(f"content/{name}:{BAD_INPUTS[name]}"), err


@pytest.mark.parametrize("name", cases("previous"))
def test_bad_input_keeps_previous_output(
    project: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    source = add(project, GOOD, "x.md")
    assert run(capsys, "build")[0] == 0
    folder = project / "build" / "default"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert sorted(before) == ["x.eml", "x.html", "x.pptx", "x.txt"]
    source.write_bytes((BAD / name).read_bytes())
    code, out, err = run(capsys, "build")
    no_traceback(err)
    assert code == 1, err
    # Every output unchanged, and no temporary file left.
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


@pytest.mark.parametrize("name", list(WARNED))
def test_questionable_input_builds_with_a_warning_and_fails_under_strict(
    project: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    add(project, BAD / name, "x.md")
    code, out, err = run(capsys, "build")
    no_traceback(err)
    assert code == 0, err
    start, rest = WARNED[name]
    (line,) = [line for line in err.splitlines() if line.startswith(f"content/x.md:{start}")]
    assert rest in line
    folder = project / "build" / "default"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    code, out, err = run(capsys, "build", "--strict")
    assert code == 1 and "--strict: failing" in err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_two_bad_files_and_a_good_one(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add(project, BAD / "chart-type.md", "a.md")
    add(project, GOOD, "b.md")
    add(project, BAD / "unclosed-div.md", "c.md")
    code, out, err = run(capsys, "build")
    no_traceback(err)
    assert code == 1
    lines = err.splitlines()
    assert any(line.startswith("content/a.md:8: unknown chart type") for line in lines), err
    assert any(line.startswith("content/c.md:9: unclosed block") for line in lines), err
    assert "2 problem(s) in 2 file(s)" in err
    assert pptx_files(project / "build") == [project / "build" / "default" / "b.pptx"]
    assert "wrote build/default/b.pptx" in out


def test_crashing_file_does_not_stop_the_others(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(project, BAD / "bad-date.md", "a.md")
    add(project, GOOD, "b.md")
    code, out, err = run(capsys, "build")
    no_traceback(err)
    assert code == 1
    assert (project / "build" / "default" / "b.pptx").is_file()
    assert err.startswith("content/a.md:3: ")


def test_several_problems_in_one_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "content" / "x.md").write_text(
        "---\ntitle: T\nslide_level: 7\n---\n\n## A\n\n```chart\ntype: camembert\ndata:\n  a: 1\n```"
        "\n\n::: foo\nx\n:::\n\n![Logo](absent.png)\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, "build")
    assert code == 1
    # A bad front matter does not hide the body's problems: every one in one run.
    assert "content/x.md:3: slide_level must be 1, 2 or 3" in err
    assert "content/x.md:9: unknown chart type 'camembert'" in err
    assert "2 problem(s) in 1 file(s)" in err


def test_warning_does_not_fail_the_build(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "content" / "x.md").write_text(
        "---\ntitle: T\ntitel: U\n---\n\n## A\n\nB\n", encoding="utf-8"
    )
    code, _, err = run(capsys, "build")
    assert code == 0
    assert (
        "content/x.md:3: warning: unknown front matter key 'titel' (did you mean \"title\"?)" in err
    )


# ---------------------------------------------------------------------------- usage


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["build", "--bogus"], "unrecognized arguments: --bogus", id="unknown-option"),
        pytest.param(["build", "--format", "docx"], "invalid choice: 'docx'", id="format-docx"),
        pytest.param(["build", "nope.md"], "nope.md: no such file or folder", id="missing-path"),
        pytest.param(
            ["build", "content/x.md", "nope"], "nope: no such file or folder", id="one-missing-path"
        ),
        pytest.param([], "give a command", id="no-command"),
        pytest.param(["frobnicate"], "invalid choice: 'frobnicate'", id="unknown-command"),
        pytest.param(["build", "--out"], "expected one argument", id="out-without-dir"),
        pytest.param(
            ["build", "--watch", "--strict"], "--strict does not go with --watch", id="watch-strict"
        ),
    ],
)
def test_usage_errors(
    project: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    add(project, GOOD, "x.md")
    code, out, err = run(capsys, *args)
    no_traceback(err)
    assert code == 2
    assert message in err
    assert err.startswith("deckgen")
    assert pptx_files(project) == []


def test_version_subprocess(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "deckgen", "--version"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"deckgen {deckgen.__version__}"
    assert proc.stderr == ""


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "deckgen", "build"],
        # What the installed `deckgen` script runs (its [project.scripts] entry point).
        ["-c", "import sys; sys.argv = ['deckgen', 'build']; "
         "from deckgen.console import main; main()"],
    ],
    ids=["python -m deckgen", "deckgen script"],
)
def test_ctrl_c_while_loading_exits_130_without_traceback(tmp_path: Path, command) -> None:
    """Ctrl-C in the first ~0.15 s of `python -m deckgen` or `deckgen` (libraries still
    loading) printed a KeyboardInterrupt traceback. A stand-in yaml package raises it at
    import time."""
    fake = tmp_path / "fake" / "yaml"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise KeyboardInterrupt\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(fake.parent), str(REPO)])}
    proc = subprocess.run(
        [sys.executable, *command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr == (
        "deckgen: interrupted; outputs already written are complete, none is partial\n"
    )


def test_an_error_raised_while_ctrl_c_unwinds_is_still_ctrl_c(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library's cleanup can fail on the state Ctrl-C left half-done (zipfile did, in CI);
    the user pressed Ctrl-C, so it exits 130 with the usual message, not "internal error"."""
    from deckgen import cli

    def broken_cleanup(args: object) -> int:
        try:
            raise KeyboardInterrupt
        finally:
            raise ValueError("Can't close the ZIP file while there is an open writing handle")

    monkeypatch.setattr(cli, "cmd_build", broken_cleanup)
    add(project, GOOD, "b.md")
    code, _, err = run(capsys, "build")
    no_traceback(err)
    assert code == 130
    assert err.strip() == cli.INTERRUPTED
    assert "internal error" not in err
