"""The subscribers CSV: checked addresses, bad rows by line, duplicates, suppression list,
signed unsubscribe links."""

from __future__ import annotations

from pathlib import Path

import pytest

from deckgen.delivery.subscribers import (
    add_suppressions,
    normalize_address,
    read_subscribers,
    read_suppressions,
    unsubscribe_link,
    unsubscribe_token,
    verify_unsubscribe_token,
)
from deckgen.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "send"
REPO = Path(__file__).resolve().parent.parent


def messages(diagnostics) -> dict[int, str]:
    return {d.line: d.message for d in diagnostics}


def test_bad_rows_are_reported_by_line_and_skipped_the_rest_kept():
    listing = read_subscribers(FIXTURES / "bad-rows.csv")
    assert listing.columns == ("email", "first_name", "last_name", "entreprise")  # ';' sniffed
    assert [(s.address, s.line) for s in listing.subscribers] == [
        ("ana@example.com", 2),
        ("jean@xn--bcher-kva.example", 6),
        ("fin@example.com", 14),
    ]
    assert listing.subscribers[0].fields == {
        "first_name": "Ana",
        "last_name": "Lopes",
        "entreprise": "Lopes SA",
    }
    errors = messages(listing.errors)
    assert sorted(errors) == [3, 4, 8, 9, 10, 12]
    assert errors[3].startswith("'not-an-address' is not a valid email address: ")
    assert errors[4].startswith("an empty address is not a valid email address")
    assert "Internationalized characters before the @-sign" in errors[8]
    assert errors[9].startswith("5 values for 4 columns")
    assert errors[10].startswith("the email value contains a line break")  # a quoted newline
    assert errors[12].startswith("the first_name value contains a line break")  # header forging
    assert all(m.endswith(("skipped", "(row skipped)")) for m in errors.values())
    # Duplicates: case-insensitive, IDN domain normalized; the first row wins.
    warnings = messages(listing.warnings)
    assert warnings == {
        5: "ANA@example.com is already on line 2: sent once, to the first row's fields",
        7: "jean@xn--bcher-kva.example is already on line 6: sent once, to the first row's fields",
    }


@pytest.mark.parametrize(
    "name, line, start",
    [
        ("unclosed-quote.csv", 3, "the CSV cannot be read from here on"),
        ("no-email-column.csv", 1, "no 'email' column (did you mean \"email\"?)"),
    ],
)
def test_a_list_that_cannot_be_read_is_an_error_with_its_line(name, line, start):
    with pytest.raises(InputError) as caught:
        read_subscribers(FIXTURES / name)
    first = caught.value.diagnostics[0]
    assert (first.line, first.message[: len(start)]) == (line, start)


def test_column_names_must_be_merge_field_names(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("email,Prénom,unsubscribe_url\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_subscribers(path)
    text = str(caught.value)
    assert "l.csv:1: the column 'prénom' cannot be a merge field name" in text
    assert "'unsubscribe_url' is filled in by deckgen" in text


def test_not_utf8_says_how_to_fix(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes("email,first_name\na@example.com,Hélène\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"l.csv:2: not UTF-8 \(byte 0xe9\)"):
        read_subscribers(path)


def test_known_addresses_skip_the_validator(monkeypatch):
    import deckgen.delivery.subscribers as subscribers

    calls = []
    real = subscribers.normalize_address
    monkeypatch.setattr(
        subscribers, "normalize_address", lambda text: calls.append(text) or real(text)
    )
    listing = read_subscribers(
        FIXTURES / "bad-rows.csv", known={"ana@example.com": "ana@example.com"}
    )
    assert "ana@example.com" not in calls and "fin@example.com" in calls
    assert listing.subscribers[0].address == "ana@example.com"


def test_the_example_list_uses_reserved_domains_only():
    listing = read_subscribers(REPO / "content" / "abonnes.csv")
    assert not listing.errors and len(listing.subscribers) >= 5
    for s in listing.subscribers:
        domain = s.address.rsplit("@", 1)[1]
        assert domain in ("example.com", "example.org", "example.net") or domain.endswith(
            ".example"
        ), s.address


def test_suppression_list_is_honoured_and_unsubscribe_adds_to_it(tmp_path):
    path = tmp_path / "suppressions.csv"
    assert add_suppressions(path, ["ANA@example.com", "jean@bücher.example"], "unsubscribed") == (
        2,
        0,
    )
    assert add_suppressions(path, ["ana@example.com"], "bounced") == (0, 1)
    keys, warnings = read_suppressions(path)
    assert keys == {"ana@example.com", "jean@xn--bcher-kva.example"} and not warnings
    assert path.read_bytes().startswith(b"email,reason,date\r\n")
    listing = read_subscribers(FIXTURES / "bad-rows.csv", suppressed=keys)
    assert [s.address for s in listing.subscribers] == ["fin@example.com"]
    assert listing.suppressed == 2
    with pytest.raises(InputError, match="'nope' is not a valid email address"):
        add_suppressions(path, ["nope", "x@example.com"], "unsubscribed")
    assert "x@example.com" not in path.read_text(encoding="utf-8")  # nothing added


def test_unsubscribe_links_are_signed_per_address():
    secret = b"s" * 32
    token = unsubscribe_token(secret, "Ana@example.com")
    assert verify_unsubscribe_token(secret, token) == "ana@example.com"
    assert verify_unsubscribe_token(b"t" * 32, token) is None  # another secret
    forged = unsubscribe_token(secret, "bob@example.com").split(".")[0] + "." + token.split(".")[1]
    assert verify_unsubscribe_token(secret, forged) is None  # another address, same MAC
    assert verify_unsubscribe_token(secret, "%%%.x") is None
    assert unsubscribe_link("https://x.example/d", secret, "a@example.com").startswith(
        "https://x.example/d?t="
    )
    assert unsubscribe_link("https://x.example/d?l=fr", secret, "a@example.com").startswith(
        "https://x.example/d?l=fr&t="
    )


def test_normalize_address_lowercases_the_domain_only():
    assert normalize_address(" Ana.Lopes@Example.COM ") == "Ana.Lopes@example.com"
    assert normalize_address("a@Bücher.example") == "a@xn--bcher-kva.example"
