"""The ``deckgen`` command's entry point (and ``python -m deckgen``'s).

Kept free of imports: Ctrl-C while Python still loads deckgen's libraries (python-pptx,
lxml, Jinja2, ... about 0.15 s) ends with the usual message and exit code 130, not a
KeyboardInterrupt traceback.
"""

from __future__ import annotations

import os
import sys

INTERRUPTED = "deckgen: interrupted; outputs already written are complete, none is partial"


def main() -> None:
    try:
        from .cli import run
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr, flush=True)
        os._exit(130)  # as run() does; sys.exit here was sometimes reported as killed by SIGINT
    run()
