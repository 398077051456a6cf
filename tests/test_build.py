"""Building for several themes: every theme, each file parsed once, in parallel."""

from __future__ import annotations

from pathlib import Path

import pytest
from decks import summarize

from deckgen import build as build_module
from deckgen.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    for name, color in (("agence", "#0B5D1E"), ("pme", "#8A1538")):
        folder = tmp_path / "themes" / name
        folder.mkdir(parents=True)
        (folder / "theme.toml").write_text(
            f'name = "{name}"\n[colors]\nprimary = "{color}"\n', encoding="utf-8"
        )
    (tmp_path / "content").mkdir()
    for sample in sorted((ROOT / "content").glob("*.md")):
        (tmp_path / "content" / sample.name).write_bytes(sample.read_bytes())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_theme_all_builds_every_file_in_every_theme_parsing_each_file_once(project, monkeypatch):
    calls: list[Path] = []
    real = build_module.read_document

    def counting(path, root=None, **options):
        calls.append(path)
        return real(path, root, **options)

    monkeypatch.setattr(build_module, "read_document", counting)
    assert main(["build", "--theme", "all", "--format", "deck", "-q"]) == 0
    assert sorted(p.name for p in calls) == [
        "formation-medias-sociaux-pme.md",
        "medias-vs-reseaux.md",
    ]
    for theme in ("agence", "default", "pme"):
        built = sorted(p.name for p in (project / "build" / theme).iterdir())
        assert built == ["formation-medias-sociaux-pme.pptx", "medias-vs-reseaux.pptx"], theme


def test_parallel_and_serial_builds_give_the_same_decks(project, monkeypatch):
    assert main(["build", "--theme", "all", "--format", "deck", "-q", "--out", "parallel"]) == 0
    monkeypatch.setattr(build_module.os, "cpu_count", lambda: 1)
    assert main(["build", "--theme", "all", "--format", "deck", "-q", "--out", "serial"]) == 0
    for deck in sorted((project / "serial").rglob("*.pptx")):
        twin = project / "parallel" / deck.relative_to(project / "serial")
        assert summarize(deck) == summarize(twin), deck


def test_errors_from_workers_are_reported(project, capsys):
    (project / "content" / "broken.md").write_text(
        "---\ntitle: X\n---\n\n```chart\ntype: pie\ndata:\n  A: deux\n```\n", encoding="utf-8"
    )
    assert main(["build", "--theme", "all", "--format", "deck", "-q"]) == 1
    err = capsys.readouterr().err
    assert err.count("content/broken.md:8: chart value for 'A'") == 1  # parsed once


def test_strict_writes_nothing_for_what_a_warning_concerns(project, capsys):
    """--strict treats a warning as an error for what it concerns: a theme with low
    contrast builds nothing, the other theme still builds; exit 1."""
    pale = project / "themes" / "pale"
    pale.mkdir(parents=True, exist_ok=True)
    (pale / "theme.toml").write_text('name = "pale"\n[colors]\ntext = "#AAAAAA"\n', "utf-8")
    code = main(["build", "--theme", "pale", "--theme", "default", "--strict", "--format", "deck"])
    assert code == 1
    err = capsys.readouterr().err
    assert "themes/pale/theme.toml:3: warning: contrast" in err
    assert "--strict: failing; nothing was written for them" in err
    assert not (project / "build" / "pale").exists()
    assert list((project / "build" / "default").glob("*.pptx"))


def test_a_bug_in_a_build_worker_comes_back_as_a_message_naming_the_file(
    project, monkeypatch, capsys
):
    """An lxml error raised in a worker cannot be pickled back ('cannot pickle
    _ListErrorLog'): the build crashed with exit 3 and no file named."""
    from lxml import etree

    from deckgen.render import deck

    def broken(doc, theme, *args, **kwargs):
        if doc.path.name.startswith("medias"):
            etree.fromstring(b"<p:sp><a16:creationId/></p:sp>")  # XMLSyntaxError
        return real(doc, theme, *args, **kwargs)

    real = deck.render_deck
    monkeypatch.setattr(build_module, "render_deck", broken)
    # Two files: built by two worker processes (forked: they see the patch).
    assert main(["build", "--format", "deck"]) == 3
    err = capsys.readouterr().err
    assert "content/medias-vs-reseaux.md: internal error while building it in theme 'default'" in err
    assert "XMLSyntaxError" in err and "pickle" not in err and "Traceback" not in err
    assert (project / "build" / "default" / "formation-medias-sociaux-pme.pptx").is_file()
    assert main(["build", "--format", "deck", "--debug"]) == 3
    assert "Traceback" in capsys.readouterr().err


def test_the_build_prints_the_overflow_check_reports_and_strict_refuses_it(tmp_path, capsys):
    """check reported 94-99 overflow errors on a deck that build wrote without a word."""
    fixtures = ROOT / "tests" / "fixtures" / "check"
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    source = tmp_path / "overflow.md"
    source.write_text((fixtures / "overflow.md").read_text(encoding="utf-8"), encoding="utf-8")
    from deckgen.check import run_check

    checked = [f for f in run_check([source], [], tmp_path).findings if f.rule == "deck-overflow"]
    assert checked
    result = build_module.build([source], [], tmp_path / "out", ("deck",), tmp_path)
    said = [w for w in result.warnings if w.rule == "deck-overflow"]
    assert [(w.path, w.line) for w in said] == [(f.path, f.line) for f in checked]
    assert said[0].message.startswith(checked[0].message)
    assert result.written  # without --strict the deck is written, with the warning
    strict = build_module.build([source], [], tmp_path / "strict", ("deck",), tmp_path, strict=True)
    assert not strict.written and not (tmp_path / "strict" / "default" / "overflow.pptx").exists()
