"""deckgen preview: a contact sheet per theme from LibreOffice and Chromium renders."""

from __future__ import annotations

from pathlib import Path

import pytest

from deckgen import clients
from deckgen.cli import main
from deckgen.preview import SHEET_SIZE, SLIDES

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.realclient
def test_preview_writes_one_contact_sheet_per_theme(tmp_path, monkeypatch, capsys):
    from PIL import Image, ImageStat
    from realclients import require_tool

    for tool in ("soffice", "pdftoppm", "chromium"):
        require_tool(tool)
    monkeypatch.chdir(ROOT)
    code = main(
        ["preview", "--theme", "atelier-durand", "--theme", "agence-boreal", "--out", str(tmp_path)]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    for theme in ("atelier-durand", "agence-boreal"):
        folder = tmp_path / theme / "preview"
        sheet = folder / "contact-sheet.png"
        assert f"{theme}/preview/contact-sheet.png" in out.out
        with Image.open(sheet) as image:
            assert image.size == SHEET_SIZE
            # Every slide cell and the email column show something (not a blank render).
            for box in [(24, 80, 504, 350), (1048, 80, 1424, 900)]:
                assert max(ImageStat.Stat(image.crop(box).convert("L")).stddev) > 10
        assert len(list(folder.glob("slide-*.png"))) == SLIDES
        assert (folder / "email.png").is_file()
    assert not list(tmp_path.rglob("*.tmp*")) and not list(tmp_path.rglob("*.pptx"))


def test_a_missing_client_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice, no chromium
    assert main(["preview", "--theme", "default", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "soffice not found: install LibreOffice Impress" in err
    assert "Traceback" not in err


def test_clients_name_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(clients.ClientError, match="poppler-utils"):
        clients.find_client("pdftoppm")
