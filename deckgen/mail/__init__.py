"""Email: the message (MIME structure, headers, per-recipient copies) and client support checks.

Sending it is `deckgen.delivery`.
"""
