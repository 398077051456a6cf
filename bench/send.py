"""deckgen send throughput and resume latency against a local SMTP server.

    python bench/send.py [--recipients 10000] [--naive 500]

An aiosmtpd server runs in its own process on 127.0.0.1 (so that it does not share the
sender's GIL), counting messages and noting when each arrives. In a temporary project:

1. ``python -m deckgen send`` to N recipients, no rate limit, journal on (WAL,
   synchronous=NORMAL, two commits per message): messages per second between the first
   and the last message at the server, and the whole command's wall time;
2. the journal's last 10 % put back to "queued" (as after a crash at 90 %), then
   ``deckgen send --resume``: the time from starting the process to the first new message
   at the server;
3. the same send with ``--durable`` (synchronous=FULL: an fsync per step) on fewer
   recipients, to show what that costs on this disk;
4. the naive peer, in this process: for each recipient, the message built by the email
   package (`build_message` + `to_bytes`) and sent with ``smtplib.SMTP(...).sendmail`` on
   a new connection, no journal.

Targets (issue 5, 2-core machine): at least 300 messages/s; resume to first message < 1 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import record  # noqa: E402

sys.path.insert(0, str(ROOT))

CONFIG = """[tool.deckgen]
base_url = "https://lettre.example.com"
sender_name = "Hélène Marchand"
sender_address = "lettre@example.com"
postal_address = "12 rue de l’Exemple, 75011 Paris"
unsubscribe_url = "https://lettre.example.com/desabonnement"
unsubscribe_mailto = "mailto:desabonnement@example.com"
message_id_domain = "example.com"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int, count, first, last, ready) -> None:
    """The server process: aiosmtpd, counting messages (count, first and last arrival)."""
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server, session, envelope):
            now = time.time()
            with count.get_lock():
                if count.value == 0:
                    first.value = now
                count.value += 1
                last.value = now
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def deckgen(project: Path, port: int, *extra: str) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT), DECKGEN_UNSUBSCRIBE_SECRET="bench-" + "x" * 32)
    start = time.time()
    proc = subprocess.run(
        [sys.executable, "-m", "deckgen", "send", "content/lettre.md", "--to-list",
         "abonnes.csv", "--smtp", f"127.0.0.1:{port}", "--security", "none", *extra],
        cwd=project, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if proc.returncode != 0:
        sys.exit(f"deckgen send failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--durable", type=int, default=2_000, help="recipients for --durable")
    parser.add_argument("--naive", type=int, default=500, help="recipients for the naive peer")
    parser.add_argument("--sample", type=Path, default=ROOT / "content" / "medias-vs-reseaux.md")
    args = parser.parse_args(argv)

    count = multiprocessing.Value("i", 0)
    first = multiprocessing.Value("d", 0.0)
    last = multiprocessing.Value("d", 0.0)
    ready = multiprocessing.Event()
    port = free_port()
    server = multiprocessing.Process(
        target=serve, args=(port, count, first, last, ready), daemon=True
    )
    server.start()
    ready.wait(10)

    def reset() -> None:
        with count.get_lock():
            count.value, first.value, last.value = 0, 0.0, 0.0

    results: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="deckgen-bench-send-") as tmp:
        project = Path(tmp)
        (project / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
        (project / "content").mkdir()
        text = args.sample.read_text(encoding="utf-8")
        text = text.replace("\n## ", "\nBonjour {{ first_name }},\n\n## ", 1)
        (project / "content" / "lettre.md").write_text(text, encoding="utf-8")
        rows = ["email,first_name,last_name,entreprise"]
        rows += [
            f"r{k:05d}@example.com,Prénom{k},Nom{k},Société {k}" for k in range(args.recipients)
        ]
        (project / "abonnes.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")

        # 1. The whole list, journal on.
        reset()
        start = deckgen(project, port)
        wall = time.time() - start
        assert count.value == args.recipients, count.value
        rate = (count.value - 1) / (last.value - first.value)
        startup = first.value - start
        results.append(("send, journal on (WAL, NORMAL)", f"{rate:,.0f} msg/s",
                        f"{args.recipients:,} messages; whole command {wall:.2f} s, "
                        f"first message after {startup:.2f} s"))  # fmt: skip

        # 2. Resume with 90 % sent.
        journal = project / "build" / ".deckgen" / "send.sqlite"
        keep = args.recipients * 9 // 10
        with sqlite3.connect(journal) as db:
            db.execute(
                "UPDATE delivery SET state = 'queued' WHERE recipient >= ?",
                (f"r{keep:05d}@example.com",),
            )
        reset()
        start = deckgen(project, port, "--resume")
        resume = first.value - start
        assert count.value == args.recipients - keep, count.value
        results.append(("resume: start to first new message", f"{resume:.2f} s",
                        f"{keep:,} of {args.recipients:,} already sent; process start-up included"))  # fmt: skip

        # 3. --durable.
        durable_list = project / "durable.csv"
        durable_list.write_text("\n".join(rows[: args.durable + 1]) + "\n", encoding="utf-8")
        reset()
        deckgen(project, port, "--durable", "--campaign", "durable", "--to-list", "durable.csv")
        durable = (count.value - 1) / (last.value - first.value)
        results.append(("send --durable (synchronous=FULL)", f"{durable:,.0f} msg/s",
                        f"{args.durable:,} messages"))  # fmt: skip

    # 4. The naive peer.
    from deckgen import typography
    from deckgen.mail.message import Envelope, build_message, to_bytes
    from deckgen.newsletter import Personalizer
    from deckgen.reading import read_document
    from deckgen.render import email
    from deckgen.themes import load_theme

    doc, _ = read_document(args.sample, ROOT)
    doc = typography.apply(doc)
    theme = load_theme("default", ROOT)[0]
    copies = Personalizer(doc, theme, email.environment(theme), lambda a: f"cid:{a.key}",
                          email.Sender("Hélène Marchand"), "https://lettre.example.com/v")  # fmt: skip
    reset()
    start = time.perf_counter()
    for k in range(args.naive):
        url = f"https://lettre.example.com/desabonnement?t={k}"
        html, text = copies.render({"unsubscribe_url": url})
        envelope = Envelope("Hélène Marchand", "lettre@example.com",
                            f"Prénom{k} Nom{k} <n{k}@example.com>", doc.meta.subject,
                            unsubscribe_url=url, message_id_domain="example.com")  # fmt: skip
        data = to_bytes(build_message(envelope, text, html))
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.sendmail("lettre@example.com", [f"n{k}@example.com"], data)
    naive = args.naive / (time.perf_counter() - start)
    assert count.value == args.naive
    results.append(("naive peer: email package + a connection per message, no journal",
                    f"{naive:,.0f} msg/s", f"{args.naive:,} messages"))  # fmt: skip
    server.terminate()

    print(f"deckgen send bench: {platform.platform()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"sample: {args.sample.relative_to(ROOT)}")
    for name, figure, detail in results:
        print(f"  {name:<66} {figure:>12}   {detail}")
    print(f"  ratio deckgen / naive peer: {rate / naive:.1f}x")
    ok_rate, ok_resume = rate >= 300, resume < 1.0
    record(
        f"send {args.recipients:,} messages, journal on",
        rate,
        "msg/s",
        peer="email package, a connection per message, no journal",
        peer_value=naive,
        target=">= 300 msg/s",
        ok=ok_rate,
    )
    record(
        f"resume with {keep:,} sent: start to first new message",
        resume,
        "s",
        target="< 1 s",
        ok=ok_resume,
    )
    print(f"  target >= 300 msg/s: {'PASS' if ok_rate else 'FAIL'}; "
          f"resume < 1 s: {'PASS' if ok_resume else 'FAIL'}")  # fmt: skip
    return 0 if ok_rate and ok_resume else 1


if __name__ == "__main__":
    sys.exit(main())
