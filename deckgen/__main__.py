import os
import sys

try:
    from .cli import run
except KeyboardInterrupt:  # Ctrl-C while Python still loads the libraries: no traceback
    print(
        "deckgen: interrupted; outputs already written are complete, none is partial",
        file=sys.stderr,
        flush=True,
    )
    os._exit(130)  # as run() does; sys.exit here was sometimes reported as killed by SIGINT

run()
