"""Personalized copies of one prepared message (deckgen/mail/copies.py): each parses back
as the email package would build it, and an attachment is the same bytes in every copy."""

from __future__ import annotations

import email
import email.policy

from test_message import ENVELOPE, HANDOUT, PICTURE

from deckgen.mail.copies import MessageCopies


def parse(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def test_every_copy_carries_the_attachment_once_prepared():
    copies = MessageCopies(ENVELOPE, {"k.png": PICTURE}, [HANDOUT])
    made = [
        copies.copy(name, address, f"Bonjour {name}", f"Texte pour {name}", f"<p>{name}</p>")
        for name, address in (("Ana", "ana@example.org"), ("Léo", "leo@example.org"))
    ]
    bodies = []
    for (data, message_id), name in zip(made, ("Ana", "Léo"), strict=True):
        msg = parse(data)
        assert msg["Message-ID"] == message_id
        assert msg["Subject"] == f"Bonjour {name}"
        assert msg.get_body(("plain",)).get_content().startswith(f"Texte pour {name}")
        assert msg.get_body(("html",)).get_content().startswith(f"<p>{name}</p>")
        parts = [p.get_content_type() for p in msg.walk()]
        assert parts[0] == "multipart/mixed" and parts.count("application/pdf") == 1
        pdf = next(p for p in msg.walk() if p.get_content_type() == "application/pdf")
        assert (pdf.get_filename(), pdf.get_content()) == (HANDOUT.filename, HANDOUT.data)
        bodies.append(data[data.index(b"application/pdf") :])
    assert bodies[0] == bodies[1]  # the encoded attachment, reused as it is
    assert copies.fixed_size > len(HANDOUT.data) * 4 // 3  # base64 inside
