"""deckgen init: a new project that builds and passes check --strict at once, tried as a
new user would (an installed deckgen, outside the repository)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pptx import Presentation

from deckgen.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_init_builds_and_passes_check_strict_at_once(tmp_path, monkeypatch, capsys):
    project = tmp_path / "formation-client"
    assert main(["init", str(project)]) == 0
    monkeypatch.chdir(project)
    assert main(["build", "--strict"]) == 0
    captured = capsys.readouterr()
    assert "warning" not in captured.err, captured.err
    assert main(["check", "--strict"]) == 0
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().out
    deck = Presentation(str(project / "build" / "mon-client" / "exemple.pptx"))
    kinds = {s.shape_type for slide in deck.slides for s in slide.shapes}
    assert any(slide.has_notes_slide for slide in deck.slides)
    assert {13, 19} <= {int(k) for k in kinds if k is not None}  # a picture and a table
    assert any(s.has_chart for slide in deck.slides for s in slide.shapes)
    html = (project / "build" / "mon-client" / "exemple.html").read_text(encoding="utf-8")
    assert "n’apparaît que dans la lettre" in html and "que dans la présentation" not in html
    assert (project / "content" / "abonnes.csv").read_text(encoding="utf-8").startswith("email,")
    assert "example." in (project / "content" / "abonnes.csv").read_text(encoding="utf-8")


def test_init_never_writes_into_a_folder_that_has_files(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["init", str(tmp_path)]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def _site_folders() -> list[str]:
    """The folders this interpreter imports installed packages from."""
    return [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]


def _environment_seeing_ours(venv: Path, folders: list[str] | None = None) -> Path:
    """A fresh virtual environment that sees this interpreter's packages, whether this one
    is a virtual environment or not (``--system-site-packages`` would see the base
    interpreter's instead: inside a venv, no Markdown, no python-pptx). Our site folders
    are listed in a .pth file: appended after the new environment's own site-packages, so
    what is installed there comes first. Returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    own = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = _site_folders() if folders is None else folders
    Path(own, "deckgen-test-outer.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    return python


def test_the_new_environment_sees_this_interpreters_packages(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    python = _environment_seeing_ours(tmp_path / "venv")
    found = subprocess.run(
        [
            str(python),
            "-c",
            "import json, markdown, pptx, pip, sys; print(sys.prefix); print(json.dumps(sys.path))",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert found.returncode == 0, found.stderr
    prefix, path = found.stdout.splitlines()
    assert prefix == str(tmp_path / "venv")
    assert set(_site_folders()) <= set(json.loads(path))  # a venv's own site-packages included
    # And a package only in a folder it was told about (as in an outer venv, not the base).
    outer = tmp_path / "outer" / "site-packages"
    outer.mkdir(parents=True)
    (outer / "only_outer.py").write_text("WHERE = 'outer'\n", encoding="utf-8")
    python = _environment_seeing_ours(tmp_path / "venv2", [str(outer)])
    found = subprocess.run(
        [str(python), "-c", "import only_outer; print(only_outer.WHERE)"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert found.stdout.strip() == "outer", found.stderr


@pytest.mark.realclient
def test_a_new_user_installs_inits_builds_and_opens_the_deck(tmp_path):
    """pip install deckgen (into a fresh virtual environment, inside a venv or not), deckgen
    init, deckgen build, then LibreOffice opens the deck: the wheel must carry the default
    theme and the scaffold."""
    from realclients import pptx_to_pdf, require_tool

    require_tool("soffice")
    venv = tmp_path / "venv"
    python = _environment_seeing_ours(venv)
    # deckgen from a wheel built from this checkout (as pip builds it: isolated); its
    # dependencies from this environment.
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("deckgen-*.whl")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    deckgen = venv / "bin" / "deckgen"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    home = tmp_path / "home"
    home.mkdir()
    subprocess.run([str(deckgen), "init", "projet"], cwd=home, env=env, check=True)
    project = home / "projet"
    for command in (["build"], ["check", "--strict"]):
        proc = subprocess.run(
            [str(deckgen), *command], cwd=project, env=env, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    where = subprocess.run(
        [str(python), "-c", "import deckgen; print(deckgen.__file__)"],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    assert str(venv) in where  # the installed deckgen ran, not the checkout
    deck = project / "build" / "mon-client" / "exemple.pptx"
    pdf = pptx_to_pdf(deck, tmp_path / "pdf")
    assert pdf.stat().st_size > 0
