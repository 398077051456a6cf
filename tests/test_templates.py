"""Clients' templates as they come: each set up by ``deckgen theme new --template`` alone,
both samples built on it, and the decks checked as a client would see them.

The templates are the real ones CI downloads from the registries (tests/fixtures/real/
SOURCES.toml: python-pptx's, pandoc's, officer's, LibreOffice's, a Keynote export, a WPS
re-save...) and those tests/fixtures/templates/make_templates.py derives, each modelled on a
real template of the corpus that may not be committed (PowerPoint 2016+ extensions, a Google
Slides export, LibreOffice's two masters with boxes off the slide, Polish and Portuguese
layout names, a dark template with a logo, a kicker strip). For each, the decks have:

- no more than a third more slides than in the default theme;
- every shape inside the slide, and the document's title on slide 1;
- on LibreOffice's rendering: no word off the page, none drawn at less than 4.5:1 against
  what is behind it, no prompt text of the template's ("Click to add text") on a slide;
- no error of Microsoft's validator that the template itself does not have.
"""

from __future__ import annotations

import io
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from pptx import Presentation

from deckgen.build import build
from deckgen.check import run_check

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "templates"
MAX_RATIO = 4 / 3  # slides, against the default theme
SLACK = 45720  # EMU (0.05 in): boxes a viewer rounds
sys.path.insert(0, str(FIXTURES))
import make_templates  # noqa: E402
import realcorpus  # noqa: E402
from clienttemplates import SAMPLES, Setup, prompts_shown  # noqa: E402
from clienttemplates import set_up as set_up_client  # noqa: E402

FIXTURE_NAMES = [b.__name__.replace("_", "-") for b in make_templates.BUILDERS]
REGISTRY_NAMES = [e.name for e in realcorpus.load_sources() if e.kind == "template"]


@pytest.fixture(scope="session")
def default_slides(tmp_path_factory) -> dict[str, int]:
    result = build(SAMPLES, ["default"], tmp_path_factory.mktemp("default"), ("deck",), ROOT)
    assert not result.errors
    return {w.path.stem: len(Presentation(str(w.path)).slides) for w in result.written}


@pytest.fixture(scope="session")
def fixture_templates(tmp_path_factory) -> dict[str, Path]:
    built = make_templates.build_all(tmp_path_factory.mktemp("templates"))
    return dict(zip(FIXTURE_NAMES, built, strict=True))


_SETUPS: dict[str, list[Setup]] = {}


@pytest.fixture(scope="session")
def set_up(tmp_path_factory, fixture_templates):
    """name -> the Setups of that template (one per file of a registry entry), made once."""
    where = tmp_path_factory.mktemp("clients")

    def get(name: str) -> list[Setup]:
        if name not in _SETUPS:
            if name in fixture_templates:
                files = [fixture_templates[name]]
            else:
                entry = next(e for e in realcorpus.entries("template") if e.name == name)
                files = [f for f in entry.files() if f.suffix in (".pptx", ".potx")]
            _SETUPS[name] = [set_up_client(f"{name}-{f.stem}", f, where) for f in files]
        return _SETUPS[name]

    return get


ALL = FIXTURE_NAMES + REGISTRY_NAMES


@pytest.mark.parametrize("name", ALL)
def test_a_template_sets_up_and_builds_both_samples(set_up, default_slides, name):
    for setup in set_up(name):
        assert not setup.errors, setup.errors
        # No overflow: a title or subtitle too long for its placeholder grows into the room
        # around it (a 0.46 in title box on a dark brand template, a 0.55 in subtitle box
        # of a Google Slides export overflowed by 31 and 49 pt).
        assert not setup.overflows, setup.overflows
        assert "[layouts]" in (setup.project / "themes" / "client" / "theme.toml").read_text(
            "utf-8"
        )
        assert set(setup.decks) == set(default_slides), setup.output
        template_layouts = {
            layout.name
            for m in Presentation(_as_pptx(setup.template)).slide_masters
            for layout in m.slide_layouts
        }
        for stem, deck in setup.decks.items():
            prs = Presentation(str(deck))
            count = len(prs.slides)
            assert count <= default_slides[stem] * MAX_RATIO, (
                f"{setup.name}/{stem}: {count} slides, {default_slides[stem]} in the default theme"
            )
            width, height = prs.slide_width, prs.slide_height
            for number, slide in enumerate(prs.slides, start=1):
                assert slide.slide_layout.name in template_layouts
                for shape in slide.shapes:
                    box = (shape.left, shape.top, shape.width, shape.height)
                    assert None not in box, (
                        f"{setup.name}/{stem} slide {number}: {shape.name} has no box"
                    )
                    x, y, w, h = box
                    assert (
                        x >= -SLACK
                        and y >= -SLACK
                        and x + w <= width + SLACK
                        and y + h <= height + SLACK
                    ), (
                        f"{setup.name}/{stem} slide {number}: {shape.name} at {box} is off the "
                        f"{width} x {height} slide"
                    )
            first = " ".join(s.text_frame.text for s in prs.slides[0].shapes if s.has_text_frame)
            title, author = prs.core_properties.title, prs.core_properties.author
            assert title and title in first, f"{setup.name}/{stem}: slide 1 shows {first!r}"
            assert not author or author in first, f"{setup.name}/{stem}: no author on slide 1"


def test_a_powerpoint_2016_template_builds_in_a_multi_file_build_and_check_agrees(set_up):
    """The a16:creationId placeholders of PowerPoint 2016+ crashed the build (namespace
    undefined), and in a multi-file build the lxml error could not even be pickled back;
    check called the theme clean."""
    (setup,) = set_up("powerpoint-2016")
    assert not setup.errors and len(setup.decks) == 2  # two files: built by two workers
    report = run_check([], ["client"], setup.project)
    assert not [f for f in report.findings if f.rule == "input"], report.findings
    for deck in setup.decks.values():
        import zipfile

        with zipfile.ZipFile(deck) as z:
            slides = [n for n in z.namelist() if n.startswith("ppt/slides/slide")]
            assert slides and all(b"creationId" not in z.read(n) for n in slides)


# --- as LibreOffice draws them -----------------------------------------------------------


@dataclass
class Rendered:
    pages: list
    images: list[Path]
    words: list[set[str]]


_RENDERED: dict[Path, Rendered] = {}


@pytest.fixture(scope="session")
def rendered(set_up, tmp_path_factory):
    """deck -> its pages, page images and own words; every deck of every template converted
    by one LibreOffice process (its start-up costs seconds)."""
    from realclients import convert_all, deck_word_sets, pdf_page_images, pdf_pages

    work = tmp_path_factory.mktemp("rendered")
    decks: dict[Path, Path] = {}
    for name in ALL:
        try:
            setups = set_up(name)
        except (pytest.skip.Exception, pytest.fail.Exception):
            continue
        for setup in setups:
            for stem, deck in setup.decks.items():
                decks[deck] = work / f"{setup.project.name}__{stem}.pptx"
                shutil.copy(deck, decks[deck])
    pdfs = convert_all(list(decks.values()), work / "pdf")
    for deck, copy in decks.items():
        pdf = pdfs[copy]
        pages = pdf_pages(pdf)
        images = pdf_page_images(pdf, work / "png" / copy.stem)
        _RENDERED[deck] = Rendered(pages, images, deck_word_sets(deck))
    return _RENDERED


@pytest.mark.realclient
@pytest.mark.parametrize("name", ALL)
def test_every_word_is_on_the_page_and_readable_in_libreoffice(set_up, rendered, name):
    from realclients import word_contrasts, words_outside_page

    problems = []
    for setup in set_up(name):
        for stem, deck in setup.decks.items():
            shown = rendered[deck]
            prs = Presentation(str(deck))
            assert len(shown.pages) == len(prs.slides)
            problems += [
                f"{setup.name}/{stem} page {n}: {w.text!r} off the page"
                for n, w in words_outside_page(shown.pages)
            ]
            problems += [
                f"{setup.name}/{stem} {c}"
                for c in word_contrasts(shown.pages, shown.images, shown.words)
                if c.ratio < 4.5
            ]
            problems += [
                f"{setup.name}/{stem} slide {number}: the prompt {prompt!r} shows"
                for number, prompt in prompts_shown(prs.slides, shown.pages)
            ]
    assert not problems, "\n".join(problems)


# --- Microsoft's validator ----------------------------------------------------------------


@pytest.fixture(scope="session")
def validated(set_up, tmp_path_factory):
    """file -> its validator problems: every deck and template in one validator run."""
    from ooxml import validate

    files = []
    for name in ALL:
        try:
            setups = set_up(name)
        except (pytest.skip.Exception, pytest.fail.Exception):
            continue
        for setup in setups:
            files.append(setup.template)
            files.extend(setup.decks.values())
    return validate(files)


def _key(problem) -> tuple[str, str, str]:
    """A problem, wherever its part is numbered ("slideLayout3" and "slideLayout7" alike)."""
    return (
        re.sub(r"\d+", "N", problem.part),
        problem.id,
        re.sub(r"'[^']*'", "'…'", problem.description),
    )


@pytest.mark.realclient
@pytest.mark.parametrize("name", ALL)
def test_a_deck_has_no_validator_error_its_template_does_not_have(set_up, validated, name):
    problems = []
    for setup in set_up(name):
        own = {_key(p) for p in validated[setup.template.resolve()]}
        for stem, deck in setup.decks.items():
            for p in validated[deck.resolve()]:
                if _key(p) in own:
                    continue
                problems.append(f"{setup.name}/{stem}: {p}")
    assert not problems, "\n".join(problems[:40])


def _as_pptx(path: Path) -> io.BytesIO:
    from deckgen.themes.template import as_pptx

    return io.BytesIO(as_pptx(path.read_bytes()))
