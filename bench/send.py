"""deckgen send: throughput to a local server and to a relay 50 ms away, against Postfix.

    python bench/send.py [--recipients 10000] [--relay 2000] [--far 10000] [--no-postfix]

Servers run in their own processes on 127.0.0.1 (so that they do not share the sender's
GIL): aiosmtpd, counting messages and noting when each arrives, and, for the relay, a
proxy in front of it that holds every chunk 25 ms each way (50 ms round trip; also 0 and
20 ms). The relay's aiosmtpd offers PIPELINING, as real relays (Amazon SES, Postmark,
Mailgun) do. In a temporary project:

1. ``python -m deckgen send`` to N recipients on the local server, defaults (10
   connections), journal on (WAL, synchronous=NORMAL, two commits per message), the server
   as before (no PIPELINING): messages per second between the first and the last message
   at the server, and the whole command's wall time;
2. the journal's last 10 % put back to "queued" (as after a crash at 90 %), then
   ``deckgen send --resume``: the time from starting the process to the first new message
   at the server;
3. the same send with ``--durable`` (synchronous=FULL: an fsync per step) on fewer
   recipients, to show what that costs on this disk;
4. the naive peer, in this process: for each recipient, the message built by the email
   package (`build_message` + `to_bytes`) and sent with ``smtplib.SMTP(...).sendmail`` on
   a new connection, no journal;
5. the relay at 0, 20 and 50 ms: deckgen with its defaults, then Postfix (Debian's, started
   by tests/postfix.py with a throwaway configuration: its defaults, up to 20 connections,
   PIPELINING) relaying the same messages to the same proxy. The messages are first put in
   Postfix's hold queue (by deckgen, untimed), then released at once; the rate is taken at
   the server as for deckgen;
6. deckgen to --far recipients through the 50 ms relay: the whole command's time.

Targets (issues 5 and 14, 2-core machine): at least 300 messages/s locally, resume to first
message < 1 s, at 50 ms at least Postfix's rate, 10,000 messages at 50 ms in under 2 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
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
sys.path.insert(0, str(ROOT / "tests"))

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


def serve(port: int, pipelining: bool, count, first, last, ready) -> None:
    """The server process: aiosmtpd, counting messages (count, first and last arrival)."""
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            session.host_name = hostname
            if pipelining:
                responses.insert(-1, "250-PIPELINING")
            return responses

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


def proxy(port: int, upstream: int, delay: float, ready) -> None:
    """The relay's distance: every chunk read on one side is written on the other `delay`
    seconds later (half the round trip), in order; no bandwidth limit."""

    async def pipe(reader, writer):
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()

        async def pump():
            while (item := await queue.get()) is not None:
                when, data = item
                if (wait := when - loop.time()) > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
            writer.close()

        task = asyncio.create_task(pump())
        try:
            while data := await reader.read(65536):
                queue.put_nowait((loop.time() + delay, data))
        except ConnectionError:
            pass
        queue.put_nowait(None)
        await task

    async def client(reader, writer):
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer),
                             return_exceptions=True)  # fmt: skip

    async def main():
        server = await asyncio.start_server(client, "127.0.0.1", port)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(main())


class Sink:
    """A counting server in its own process, optionally behind a delaying proxy."""

    def __init__(self, pipelining: bool):
        self.count = multiprocessing.Value("i", 0)
        self.first = multiprocessing.Value("d", 0.0)
        self.last = multiprocessing.Value("d", 0.0)
        self.port = free_port()
        ready = multiprocessing.Event()
        self.processes = [multiprocessing.Process(
            target=serve, args=(self.port, pipelining, self.count, self.first, self.last, ready),
            daemon=True,
        )]  # fmt: skip
        self.processes[0].start()
        ready.wait(10)

    def behind(self, delay_ms: float) -> int:
        """A proxy `delay_ms` of round trip away from this server: its port."""
        port, ready = free_port(), multiprocessing.Event()
        process = multiprocessing.Process(
            target=proxy, args=(port, self.port, delay_ms / 2000, ready), daemon=True
        )
        process.start()
        ready.wait(10)
        self.processes.append(process)
        return port

    def reset(self) -> None:
        with self.count.get_lock():
            self.count.value, self.first.value, self.last.value = 0, 0.0, 0.0

    def rate(self) -> float:
        return (self.count.value - 1) / max(self.last.value - self.first.value, 1e-9)

    def wait_for(self, n: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.count.value < n and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.count.value < n:
            sys.exit(f"only {self.count.value} of {n} messages arrived in {timeout:.0f} s")

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()


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


def write_list(path: Path, rows: list[str], count: int) -> None:
    path.write_text("\n".join(rows[: count + 1]) + "\n", encoding="utf-8")


def postfix_rate(
    project: Path, sink: Sink, relay_port: int, count: int, name: str, listing: str
) -> float:
    """Postfix relaying `count` messages to `relay_port`: queued on hold first (by deckgen,
    untimed), then released at once; messages per second at the server."""
    from postfix import postfix

    with postfix(free_port(), relay_port, hold=True) as instance:
        deckgen(project, instance.port, "--campaign", name, "--to-list", listing)
        deadline = time.monotonic() + 120
        while instance.queued() < count and time.monotonic() < deadline:
            time.sleep(0.2)
        sink.reset()
        instance.release()
        instance.postfix("flush")
        sink.wait_for(count, timeout=max(600, count / 5))
        return sink.rate()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--durable", type=int, default=2_000, help="recipients for --durable")
    parser.add_argument("--naive", type=int, default=500, help="recipients for the naive peer")
    parser.add_argument("--relay", type=int, default=2_000, help="recipients per relay latency")
    parser.add_argument("--far", type=int, default=10_000, help="recipients at 50 ms, timed whole")
    parser.add_argument("--latencies", type=float, nargs="+", default=[0, 20, 50])
    parser.add_argument("--no-postfix", action="store_true", help="deckgen only at the relay")
    parser.add_argument("--sample", type=Path, default=ROOT / "content" / "medias-vs-reseaux.md")
    args = parser.parse_args(argv)
    # pip compiles an installed deckgen's bytecode; time that, not compiling deckgen's modules
    # in every process (PYTHONDONTWRITEBYTECODE is set on these machines): as deck_build.py.
    compileall.compile_dir(str(ROOT / "deckgen"), quiet=1)

    local = Sink(pipelining=False)
    results: list[tuple[str, str, str]] = []
    relay_rows: list[tuple[float, float, float | None]] = []
    total = max(args.recipients, args.durable, args.relay, args.far)
    with tempfile.TemporaryDirectory(prefix="deckgen-bench-send-") as tmp:
        project = Path(tmp)
        (project / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
        (project / "content").mkdir()
        text = args.sample.read_text(encoding="utf-8")
        text = text.replace("\n## ", "\nBonjour {{ first_name }},\n\n## ", 1)
        (project / "content" / "lettre.md").write_text(text, encoding="utf-8")
        rows = ["email,first_name,last_name,entreprise"]
        rows += [f"r{k:05d}@example.com,Prénom{k},Nom{k},Société {k}" for k in range(total)]
        write_list(project / "abonnes.csv", rows, args.recipients)

        # 1. The whole list, journal on.
        local.reset()
        start = deckgen(project, local.port)
        wall = time.time() - start
        assert local.count.value == args.recipients, local.count.value
        rate = local.rate()
        startup = local.first.value - start
        results.append(("send, journal on (WAL, NORMAL), 10 connections", f"{rate:,.0f} msg/s",
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
        local.reset()
        start = deckgen(project, local.port, "--resume")
        resume = local.first.value - start
        assert local.count.value == args.recipients - keep, local.count.value
        results.append(("resume: start to first new message", f"{resume:.2f} s",
                        f"{keep:,} of {args.recipients:,} already sent; process start-up included"))  # fmt: skip

        # 3. --durable.
        write_list(project / "durable.csv", rows, args.durable)
        local.reset()
        deckgen(
            project, local.port, "--durable", "--campaign", "durable", "--to-list", "durable.csv"
        )
        durable = local.rate()
        results.append(("send --durable (synchronous=FULL)", f"{durable:,.0f} msg/s",
                        f"{args.durable:,} messages"))  # fmt: skip

        # 4. The naive peer.
        naive = naive_peer(args, local)
        results.append(("naive peer: email package + a connection per message, no journal",
                        f"{naive:,.0f} msg/s", f"{args.naive:,} messages"))  # fmt: skip
        local.stop()

        # 5. The relay at each latency: deckgen, then Postfix, to the same proxy.
        relay = Sink(pipelining=True)
        postfix_missing = "--no-postfix" if args.no_postfix else postfix_unavailable()
        for delay in args.latencies:
            port = relay.behind(delay)
            name = f"relay{delay:g}"
            write_list(project / f"{name}.csv", rows, args.relay)
            relay.reset()
            deckgen(project, port, "--campaign", name, "--to-list", f"{name}.csv")
            assert relay.count.value == args.relay, relay.count.value
            ours = relay.rate()
            theirs = None
            if not postfix_missing:
                theirs = postfix_rate(
                    project, relay, port, args.relay, f"pf{delay:g}", f"{name}.csv"
                )
            relay_rows.append((delay, ours, theirs))

        # 6. The whole list through the 50 ms relay.
        port = relay.behind(50)
        write_list(project / "far.csv", rows, args.far)
        relay.reset()
        start = deckgen(project, port, "--campaign", "far", "--to-list", "far.csv")
        far_wall = time.time() - start
        assert relay.count.value == args.far, relay.count.value
        far_rate = relay.rate()
        relay.stop()

    print(f"deckgen send bench: {platform.platform()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"sample: {args.sample.relative_to(ROOT)}")
    for name, figure, detail in results:
        print(f"  {name:<66} {figure:>12}   {detail}")
    print(f"  ratio deckgen / naive peer: {rate / naive:.1f}x")
    print(f"relay through a proxy on 127.0.0.1 (round trip added), {args.relay:,} messages each:")
    print(f"  {'round trip':>10}  {'deckgen':>12}  {'Postfix':>12}  {'ratio':>6}")
    for delay, ours, theirs in relay_rows:
        peer = f"{theirs:,.1f} msg/s" if theirs else "-"
        ratio = f"{ours / theirs:.2f}x" if theirs else "-"
        print(f"  {delay:>8g} ms  {ours:>6,.1f} msg/s  {peer:>12}  {ratio:>6}")
    if postfix_missing:
        print(f"  Postfix not measured: {postfix_missing}")
    print(
        f"  {args.far:,} messages at 50 ms: whole command {far_wall:.1f} s ({far_rate:,.1f} msg/s)"
    )

    ok_rate, ok_resume = rate >= 300, resume < 1.0
    at_50 = next((r for r in relay_rows if r[0] == 50), None)
    ok_peer = bool(at_50 and at_50[2] and at_50[1] >= at_50[2])
    ok_far = far_wall < 120
    record(f"send {args.recipients:,} messages, journal on", rate, "msg/s",
           peer="email package, a connection per message, no journal", peer_value=naive,
           target=">= 300 msg/s", ok=ok_rate)  # fmt: skip
    record(f"resume with {keep:,} sent: start to first new message", resume, "s",
           target="< 1 s", ok=ok_resume)  # fmt: skip
    if at_50:
        record("send through a relay 50 ms away", at_50[1], "msg/s",
               peer="Postfix relaying the same messages", peer_value=at_50[2],
               target=">= Postfix", ok=ok_peer if at_50[2] else None)  # fmt: skip
    record(f"{args.far:,} messages to a relay 50 ms away", far_wall, "s", target="< 120 s",
           ok=ok_far)  # fmt: skip
    print(f"  target >= 300 msg/s: {'PASS' if ok_rate else 'FAIL'}; "
          f"resume < 1 s: {'PASS' if ok_resume else 'FAIL'}; "
          f">= Postfix at 50 ms: {'PASS' if ok_peer else 'FAIL' if at_50 and at_50[2] else 'SKIP'}; "
          f"{args.far:,} at 50 ms < 120 s: {'PASS' if ok_far else 'FAIL'}")  # fmt: skip
    return 0 if ok_rate and ok_resume and ok_far and (ok_peer or postfix_missing) else 1


def postfix_unavailable() -> str:
    from postfix import available

    return available()


def naive_peer(args, sink: Sink) -> float:
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
    sink.reset()
    start = time.perf_counter()
    for k in range(args.naive):
        url = f"https://lettre.example.com/desabonnement?t={k}"
        html, text = copies.render({"unsubscribe_url": url})
        envelope = Envelope("Hélène Marchand", "lettre@example.com",
                            f"Prénom{k} Nom{k} <n{k}@example.com>", doc.meta.subject,
                            unsubscribe_url=url, message_id_domain="example.com")  # fmt: skip
        data = to_bytes(build_message(envelope, text, html))
        with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
            smtp.sendmail("lettre@example.com", [f"n{k}@example.com"], data)
    naive = args.naive / (time.perf_counter() - start)
    assert sink.count.value == args.naive
    return naive


if __name__ == "__main__":
    sys.exit(main())
