"""Delivery: a campaign sent to a list, each recipient once, and what comes back.

    campaign.py     the newsletter prepared once, each recipient's copy filled in
    subscribers.py  the subscribers CSV, the suppression list, signed unsubscribe links
    run.py          the campaign run: recipients -> SMTP, every step in the journal
    smtp.py         one SMTP session and what each reply means
    pacing.py       --rate, --per-hour, retry backoff
    journal.py      SQLite: who got what, at most once
    commands.py     deckgen send and deckgen unsubscribe

Building the message itself (MIME structure, headers, encodings) is `deckgen.mail`.
"""
