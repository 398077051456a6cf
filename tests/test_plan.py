"""Property tests of the planner: whatever the text, it fits its boxes and none of it is lost."""

from __future__ import annotations

import re

from conftest import ROOT
from decks import overflows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pptx import Presentation

from deckgen.build import build
from deckgen.render.plan import _ladder, _share
from deckgen.themes import load_theme

THEME = load_theme("default", ROOT)[0]
WORDS = st.sampled_from(
    "médias sociaux réseau entreprise PME conversation expertise confiance visibilité "
    "prescripteurs recrutement anticonstitutionnellement B2B 50 % veille LinkedIn".split()
)
SENTENCE = st.lists(WORDS, min_size=1, max_size=120).map(" ".join)
BLOCK = st.one_of(
    SENTENCE,
    st.lists(SENTENCE, min_size=1, max_size=16).map(
        lambda items: "\n".join(f"- {i}" for i in items)
    ),
    st.lists(SENTENCE, min_size=1, max_size=6).map(
        lambda items: "\n".join(f"{k}. {i}" for k, i in enumerate(items, start=1))
    ),
    st.lists(st.lists(WORDS, min_size=1, max_size=6).map(" ".join), min_size=1, max_size=30).map(
        lambda rows: (
            "| Nom | Valeur |\n|---|--:|\n"
            + "\n".join(f"| {r} | {k} |" for k, r in enumerate(rows))
        )
    ),
)
SLIDE = st.tuples(
    st.lists(WORDS, min_size=1, max_size=25).map(" ".join), st.lists(BLOCK, min_size=1, max_size=4)
)


def _words(text: str) -> list[str]:
    return re.findall(r"[\w%]+", text)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(slides=st.lists(SLIDE, min_size=1, max_size=3))
def test_any_text_fits_and_nothing_is_lost(tmp_path_factory, slides):
    folder = tmp_path_factory.mktemp("plan")
    (folder / "pyproject.toml").write_text("", encoding="utf-8")
    body = "\n\n".join(f"## {title}\n\n" + "\n\n".join(blocks) for title, blocks in slides)
    source = folder / "doc.md"
    source.write_text(f"---\ntitle: Propriétés\n---\n\n{body}\n", encoding="utf-8")
    result = build([source], out_dir=folder / "out", root=folder, formats=("deck",))
    assert not result.errors, [str(e) for e in result.errors]
    deck = result.written[0].path
    assert overflows(deck, THEME) == []
    # Every word of every block is on a slide, in order (split slides continue the text;
    # a table's header row repeats on each of its slides, so header rows are left out).
    prs = Presentation(str(deck))
    shown: list[str] = []
    for slide in list(prs.slides)[1:]:
        for shape in slide.shapes:
            if shape.has_table:
                for row in list(shape.table.rows)[1:]:
                    shown += [w for cell in row.cells for w in _words(cell.text_frame.text)]
            elif shape.has_text_frame:
                index = shape.placeholder_format.idx if shape.is_placeholder else None
                if index == 0 or (index is not None and index >= 10):
                    continue  # the title, the footer and the slide number
                shown += _words(shape.text_frame.text)
    expected: list[str] = []
    for _, blocks in slides:
        for block in blocks:
            lines = [line for line in block.split("\n") if not line.startswith(("| Nom", "|---"))]
            text = re.sub(r"^(- |\d+\. )", "", "\n".join(lines), flags=re.M)
            expected += _words(text.replace("|", " "))
    assert shown == expected


def test_ladder_goes_from_the_body_size_down_to_the_minimum():
    assert _ladder(24, 16) == [24, 23, 22, 21, 20, 19, 18, 17, 16]
    assert _ladder(22.5, 16) == [22.5, 21.5, 20.5, 19.5, 18.5, 17.5, 16.5, 16.0]


@given(
    st.lists(st.floats(min_value=10, max_value=900), min_size=1, max_size=8),
    st.floats(min_value=100, max_value=900),
)
def test_table_columns_share_exactly_the_width(natural, width):
    widths = _share(natural, width)
    assert abs(sum(widths) - width) < 1e-6 * width
    assert all(w > 0 for w in widths)
    if sum(natural) > width:
        # A column no wider than an even share keeps exactly its natural width.
        fair = width / len(natural)
        for n, w in zip(natural, widths, strict=True):
            if n <= fair:
                assert abs(w - n) < 1e-6
    else:  # all fit: stretched in proportion
        assert all(
            abs(w / n - width / sum(natural)) < 1e-9 for n, w in zip(natural, widths, strict=True)
        )


def test_a_word_longer_than_a_slide_is_split_not_looped_on(tmp_path):
    """A 6,000-character word (a pasted URL, base64) used to make the splitter cut at the
    same offset forever: the build hung, eating memory. It now continues over slides, all
    of its characters kept."""
    word = "".join(chr(ord("a") + k % 26) for k in range(6000))
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    source = tmp_path / "doc.md"
    source.write_text(f"---\ntitle: Mot long\n---\n\n## Un mot\n\n{word}\n", encoding="utf-8")
    result = build([source], out_dir=tmp_path / "out", root=tmp_path, formats=("deck",))
    assert not result.errors, [str(e) for e in result.errors]
    prs = Presentation(str(result.written[0].path))
    assert len(prs.slides) > 2  # the title slide, then the word over several slides
    body = "".join(
        shape.text_frame.text
        for slide in list(prs.slides)[1:]
        for shape in slide.placeholders
        if shape.placeholder_format.idx not in (0,) and shape.placeholder_format.idx < 10
    )
    assert body == word


def test_list_indents_grow_with_text_above_24_pt_and_quotes_keep_theirs():
    """At 48 pt (a 26.67 in Keynote template's sizes) an 18 pt hanging indent left the
    bullet touching its text."""
    from deckgen.render.plan import Para

    item = Para((), level=1, bullet="•")
    assert (item.margin_left(24), item.hanging(24)) == (24.0, 18.0)
    assert (item.margin_left(16), item.hanging(16)) == (24.0, 18.0)  # shrunk text: as before
    assert (item.margin_left(48), item.hanging(48)) == (48.0, 36.0)
    quote = Para((), role="quote")
    assert quote.margin_left(24) == quote.margin_left(67.2) == 24.0
