"""The ready-to-send message: MIME structure, headers, encodings, no header injection."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from deckgen.mail.message import (
    SIZE_LIMIT,
    SIZE_WARNING,
    Attachment,
    Envelope,
    HeaderInjection,
    build_message,
    size_problem,
    to_bytes,
)
from deckgen.model import Asset

SUBJECT = "Médias sociaux ou réseaux sociaux : la différence en 3 minutes"
ENVELOPE = Envelope(
    sender_name="Hélène Marchand",
    sender_address="helene@example.com",
    to="Lecteur <lecteur@example.org>",
    subject=SUBJECT,
    reply_to="reponses@example.com",
    unsubscribe_url="https://example.com/desabonnement?jeton=" + "a" * 64,
    unsubscribe_mailto="mailto:desabonnement@example.com?subject=unsubscribe",
    message_id_domain="example.com",
)
PICTURE = Asset(
    "k.png", Path("/projet/images/schema.png"), b"\x89PNG\r\n\x1a\nfake", "image/png", 8, 8
)


def parse(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def test_message_parses_back_with_every_header_and_both_parts():
    text = (
        "Bonjour,\n\n"
        + "Une ligne de texte français assez longue, avec des accents : é, è, à, ç. " * 3
    )
    html = "<p>" + "é" * 300 + '</p><img src="cid:k.png" alt="Schéma">'
    data = to_bytes(build_message(ENVELOPE, text, html, {"k.png": PICTURE}))
    msg = parse(data)
    assert msg["Subject"] == SUBJECT
    assert msg["From"].addresses[0].display_name == "Hélène Marchand"
    for name in (
        "Date",
        "Message-ID",
        "From",
        "To",
        "Reply-To",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
        "MIME-Version",
    ):
        assert msg[name], name
    assert msg["Message-ID"].endswith("@example.com>")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["List-Unsubscribe"] == (
        f"<{ENVELOPE.unsubscribe_url}>, <{ENVELOPE.unsubscribe_mailto}>"
    )
    raw_headers = data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    unsubscribe = [h for h in raw_headers if h.startswith(b"List-Unsubscribe:")]
    assert len(unsubscribe) == 1 and b"mailto:" in unsubscribe[0], "one line, both targets"
    assert not any(h.startswith((b" ", b"\t")) for h in raw_headers), "no folded header"
    kinds = [part.get_content_type() for part in msg.walk()]
    assert kinds == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
    ]
    plain = msg.get_body(("plain",))
    assert plain["Content-Transfer-Encoding"] == "quoted-printable"
    assert plain.get_content().startswith("Bonjour,")
    assert msg.get_body(("html",)).get_content().startswith("<p>éé")
    picture = [p for p in msg.walk() if p.get_content_type() == "image/png"][0]
    assert picture["Content-ID"] == "<k.png>" and picture.get_content() == PICTURE.data
    assert picture.get_content_disposition() == "inline"


def test_bodies_are_quoted_printable_with_no_line_over_78():
    data = to_bytes(build_message(ENVELOPE, "é" * 500, "<p>" + "è" * 500 + "</p>"))
    body = data.split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n")) <= 78
    assert b"\n" not in data.replace(b"\r\n", b""), "every line ends with CRLF"


def test_without_pictures_the_message_is_just_alternative():
    msg = parse(to_bytes(build_message(ENVELOPE, "texte", "<p>html</p>")))
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]


@pytest.mark.parametrize("field", ["subject", "to", "sender_name", "reply_to", "unsubscribe_url"])
@pytest.mark.parametrize("evil", ["x\r\nBcc: victim@example.com", "x\nBcc: v@example.com", "x\r"])
def test_a_line_break_in_any_header_value_is_refused(field, evil):
    from dataclasses import replace

    with pytest.raises(HeaderInjection):
        build_message(replace(ENVELOPE, **{field: evil}), "t", "<p>h</p>")


# --- attachments (a training's handout) ------------------------------------------------

HANDOUT = Attachment("Formation médias sociaux.handout.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40)


def test_an_attachment_makes_the_message_mixed_after_the_text_and_html():
    msg = parse(
        to_bytes(build_message(ENVELOPE, "texte", "<p>h</p>", {"k.png": PICTURE}, [HANDOUT]))
    )
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        "application/pdf",
    ]
    pdf = next(p for p in msg.walk() if p.get_content_type() == "application/pdf")
    assert pdf.get_content_disposition() == "attachment"
    assert pdf.get_filename() == HANDOUT.filename  # non-ASCII name, RFC 2231 encoded
    assert pdf.get_content() == HANDOUT.data
    assert msg.get_body(("plain",)).get_content().startswith("texte")


def test_a_line_break_in_an_attachment_name_is_refused():
    with pytest.raises(HeaderInjection):
        build_message(ENVELOPE, "t", "<p>h</p>", None, [Attachment("a\r\nBcc: x@y.z", b"x")])


@pytest.mark.parametrize(
    ("size", "severity"),
    [
        (SIZE_WARNING, None),
        (SIZE_WARNING + 1, "warning"),
        (SIZE_LIMIT, "warning"),
        (SIZE_LIMIT + 1, "error"),
    ],
)
def test_message_sizes_warn_above_10_mb_and_are_refused_above_25_mb(size, severity):
    problem = size_problem(size)
    assert (problem[0] if problem else None) == severity
