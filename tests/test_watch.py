"""deckgen build --watch: what each change rebuilds, broken saves, the real watch loop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from deckgen.watch import Watcher

REPO = Path(__file__).resolve().parent.parent

PYPROJECT = """[tool.deckgen]
sender_name = "Hélène Marchand"
unsubscribe_url = "https://lettre.example.com/desabonnement"
"""

DOC = """---
title: "{title}"
theme: {theme}
---

# Partie

## Une diapositive

Un paragraphe : {text}.

![Un schéma](images/schema.png)

## Une autre

- un point
- un autre point
"""

BROKEN_CHART = """
## Un graphique

```chart
type: donut
title: Part
data:
  A: 1
```
"""


def write_doc(path: Path, title: str, theme: str, text: str = "premier texte") -> None:
    path.write_text(DOC.format(title=title, theme=theme, text=text), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two files: a.md in 'client' (which extends 'corp', which extends 'default'), b.md
    in 'default'."""
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    for name, parent, color in (("corp", "default", "#0B5D1E"), ("client", "corp", "#8A1538")):
        folder = tmp_path / "themes" / name
        folder.mkdir(parents=True)
        (folder / "theme.toml").write_text(
            f'name = "{name}"\nextends = "{parent}"\n[colors]\nprimary = "{color}"\n',
            encoding="utf-8",
        )
    content = tmp_path / "content"
    (content / "images").mkdir(parents=True)
    Image.new("RGB", (400, 300), "#336699").save(content / "images" / "schema.png")
    write_doc(content / "a.md", "Fichier A", "client")
    write_doc(content / "b.md", "Fichier B", "default")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def outputs(project: Path) -> dict[Path, bytes]:
    return {
        p.relative_to(project): p.read_bytes()
        for p in sorted((project / "build").rglob("*"))
        if p.is_file()
    }


def changed_outputs(before: dict[Path, bytes], after: dict[Path, bytes]) -> set[str]:
    return {str(p) for p in after if before.get(p) != after[p]}


def watcher_for(project: Path, themes=(), parallel=False) -> Watcher:
    watcher = Watcher(
        [], list(themes), project / "build", ("deck", "newsletter"), project, parallel
    )
    first = watcher.initial_build()
    assert first.ok, first.errors
    return watcher


def pairs(result) -> set[tuple[str, str]]:
    return {(path.name, theme) for path, theme in result.targets}


def test_initial_build_writes_every_output(project):
    watcher = watcher_for(project)
    assert sorted(str(p) for p in outputs(project)) == [
        f"build/{theme}/{stem}{suffix}"
        for theme, stem in (("client", "a"), ("default", "b"))
        for suffix in (".eml", ".html", ".pptx", ".txt")
    ]
    assert watcher.problems() == []


def test_a_content_change_rebuilds_that_file_only_with_warm_themes(project):
    watcher = watcher_for(project)
    theme = watcher.cache.themes["client"]
    measurer = watcher.cache.measurers["client"]
    before = outputs(project)
    write_doc(project / "content" / "a.md", "Fichier A", "client", "second texte")
    result = watcher.rebuild([project / "content" / "a.md"])
    assert result.ok, result.errors
    assert pairs(result) == {("a.md", "client")}
    assert changed_outputs(before, outputs(project)) == {
        "build/client/a.pptx",
        "build/client/a.html",
        "build/client/a.txt",
        "build/client/a.eml",
    }
    assert "second texte" in (project / "build" / "client" / "a.txt").read_text(encoding="utf-8")
    # Nothing loaded again: the same theme and measurer objects.
    assert watcher.cache.themes["client"] is theme
    assert watcher.cache.measurers["client"] is measurer


def test_a_theme_change_rebuilds_the_files_of_that_theme_and_of_the_themes_extending_it(
    project,
):
    watcher = watcher_for(project, themes=["client", "corp", "default"])
    default = watcher.cache.themes["default"]
    toml = project / "themes" / "corp" / "theme.toml"
    toml.write_text(toml.read_text().replace("#0B5D1E", "#123456"), encoding="utf-8")
    result = watcher.rebuild([toml])
    assert result.ok, result.errors
    assert pairs(result) == {
        ("a.md", "corp"),
        ("b.md", "corp"),
        ("a.md", "client"),  # client extends corp
        ("b.md", "client"),
    }
    assert watcher.cache.themes["corp"].colors.primary == "123456"  # loaded again
    assert watcher.cache.themes["default"] is default  # untouched: kept warm
    written = {str(w.path.relative_to(project)) for w in result.written}
    assert "build/corp/a.pptx" in written and "build/client/b.html" in written
    assert not any(w.startswith("build/default/") for w in written)


def test_a_change_in_the_parent_of_every_theme_rebuilds_everything(project):
    watcher = watcher_for(project)
    # deckgen's own default theme: only its path is reported (the file is not modified).
    base = REPO / "themes" / "default" / "templates" / "email" / "base.html"
    result = watcher.rebuild([base])
    assert result.ok, result.errors
    assert pairs(result) == {("a.md", "client"), ("b.md", "default")}


def test_a_template_change_in_a_client_theme_reloads_it(project):
    watcher = watcher_for(project)
    template = project / "themes" / "client" / "template.pptx"
    template.write_bytes((REPO / "themes" / "default" / "template.pptx").read_bytes())
    result = watcher.rebuild([template])
    assert result.ok, result.errors
    assert pairs(result) == {("a.md", "client")}
    assert watcher.cache.themes["client"].template_path == template


def test_pyproject_rebuilds_everything_with_the_new_settings(project):
    watcher = watcher_for(project)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(PYPROJECT.replace("Hélène Marchand", "Jeanne Dupont"), encoding="utf-8")
    result = watcher.rebuild([pyproject])
    assert result.ok, result.errors
    assert pairs(result) == {("a.md", "client"), ("b.md", "default")}
    assert b"Jeanne Dupont" in (project / "build" / "default" / "b.html").read_bytes()


def test_a_picture_change_rebuilds_the_files_showing_it(project):
    watcher = watcher_for(project)
    picture = project / "content" / "images" / "schema.png"
    Image.new("RGB", (400, 300), "#993366").save(picture)
    result = watcher.rebuild([picture])
    assert result.ok, result.errors
    assert pairs(result) == {("a.md", "client"), ("b.md", "default")}


def test_a_change_nothing_depends_on_rebuilds_nothing(project):
    watcher = watcher_for(project)
    (project / "notes.txt").write_text("x", encoding="utf-8")
    (project / "build" / "default" / "b.txt").write_text("x", encoding="utf-8")
    assert watcher.rebuild([project / "notes.txt", project / "build" / "default" / "b.txt"]) is None


def test_a_broken_save_reports_path_and_line_and_keeps_the_previous_outputs(project):
    watcher = watcher_for(project)
    a = project / "content" / "a.md"
    good = a.read_text(encoding="utf-8")
    before = outputs(project)
    a.write_text(good + BROKEN_CHART, encoding="utf-8")
    line = (good + BROKEN_CHART).split("\n").index("type: donut") + 1
    result = watcher.rebuild([a])
    assert not result.ok
    assert [(e.path.name, e.line) for e in result.errors] == [("a.md", line)]
    assert str(result.errors[0]).startswith(f"content/a.md:{line}: ")
    assert outputs(project) == before  # byte-identical: nothing written for a broken file
    assert watcher.problems() == result.errors  # still standing after another rebuild:
    assert watcher.rebuild([project / "content" / "b.md"]).ok
    assert watcher.problems() == result.errors
    # Fixed: rebuilt, and the problem is gone.
    a.write_text(good.replace("premier texte", "texte corrigé"), encoding="utf-8")
    fixed = watcher.rebuild([a])
    assert fixed.ok, fixed.errors
    assert "texte corrigé" in (project / "build" / "client" / "a.txt").read_text(encoding="utf-8")
    assert watcher.problems() == []


def test_a_broken_theme_reports_its_line_and_keeps_the_outputs_until_fixed(project):
    watcher = watcher_for(project)
    toml = project / "themes" / "corp" / "theme.toml"
    good = toml.read_text(encoding="utf-8")
    before = outputs(project)
    toml.write_text(good + "[colours]\nprimary = '#000000'\n", encoding="utf-8")
    result = watcher.rebuild([toml])
    assert not result.ok
    assert {(e.path.name, e.line) for e in result.errors} == {("theme.toml", 5)}
    assert "colours" in result.errors[0].message
    assert outputs(project) == before
    toml.write_text(good, encoding="utf-8")
    fixed = watcher.rebuild([toml])
    assert fixed.ok, fixed.errors
    assert pairs(fixed) == {("a.md", "client")}
    assert watcher.problems() == []


def test_a_broken_pyproject_stops_every_build_until_fixed(project):
    watcher = watcher_for(project)
    pyproject = project / "pyproject.toml"
    before = outputs(project)
    pyproject.write_text(PYPROJECT + "sender_nam = 'x'\n", encoding="utf-8")
    result = watcher.rebuild([pyproject])
    assert [(e.path.name, e.line) for e in result.errors] == [("pyproject.toml", 4)]
    write_doc(project / "content" / "b.md", "Fichier B", "default", "encore")
    assert watcher.rebuild([project / "content" / "b.md"]).errors == result.errors
    assert outputs(project) == before
    pyproject.write_text(PYPROJECT, encoding="utf-8")
    assert watcher.rebuild([pyproject]).ok


def test_new_and_removed_content_files(project):
    watcher = watcher_for(project)
    c = project / "content" / "c.md"
    write_doc(c, "Fichier C", "corp")
    result = watcher.rebuild([c])
    assert pairs(result) == {("c.md", "corp")}
    assert (project / "build" / "corp" / "c.pptx").is_file()
    c.unlink()
    removed = watcher.rebuild([c])
    assert removed.removed == [c] and removed.targets == []
    assert set(watcher.docs) == {project / "content" / "a.md", project / "content" / "b.md"}


def test_a_missing_theme_in_front_matter_is_the_files_error(project):
    watcher = watcher_for(project)
    a = project / "content" / "a.md"
    write_doc(a, "Fichier A", "clinet")
    result = watcher.rebuild([a])
    assert [(e.path.name, e.line) for e in result.errors] == [("a.md", 3)]
    assert 'did you mean "client"' in result.errors[0].message
    # Creating the theme it names fixes it.
    folder = project / "themes" / "clinet"
    folder.mkdir()
    (folder / "theme.toml").write_text('name = "clinet"\n', encoding="utf-8")
    fixed = watcher.rebuild([folder / "theme.toml"])
    assert fixed.ok, fixed.errors
    assert pairs(fixed) == {("a.md", "clinet")}


# --- the real loop ----------------------------------------------------------------------


def _env() -> dict[str, str]:
    # A stale deckgen may be installed system-wide: run this checkout's.
    path = os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])
    return dict(os.environ, PYTHONPATH=path, PYTHONUNBUFFERED="1")


def _wait_for(predicate, timeout: float, what: str, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def test_build_watch_rebuilds_a_saved_file_and_stops_on_ctrl_c(project):
    log = project / "watch.log"
    with log.open("w") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "deckgen", "build", "--watch", "--format", "newsletter"],
            cwd=project,
            env=_env(),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        text = project / "build" / "default" / "b.txt"
        _wait_for(lambda: "watching" in log.read_text(), 60, "the initial build", proc)
        assert "premier texte" in text.read_text(encoding="utf-8")
        time.sleep(0.5)  # the watcher is set up when it prints; give inotify a moment
        saved = time.monotonic()
        write_doc(project / "content" / "b.md", "Fichier B", "default", "texte sauvegardé")
        _wait_for(
            lambda: "texte sauvegardé" in text.read_text(encoding="utf-8"),
            10,
            "the rebuild",
            proc,
        )
        elapsed = time.monotonic() - saved
        assert elapsed < 2.0, f"rebuilt {elapsed:.2f} s after the save"
        _wait_for(lambda: "rebuilt content/b.md" in log.read_text(), 5, "the report", proc)
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=20) == 130
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    out = log.read_text()
    assert "Traceback" not in out, out
    assert "stopped watching" in out
