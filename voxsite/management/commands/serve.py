"""`manage.py serve`: Daphne, as one process or as several sharing one listening socket.

One Daphne process runs Python on one core at a time (bench/README.md: a text turn is CPU-bound
in the ORM and the brain), so a machine with more cores serves more turns with more processes.
With `--workers N` (or WEB_CONCURRENCY) this command binds N sockets to the port with
SO_REUSEPORT and starts one Daphne child on each (`daphne --fd N`): the kernel spreads new
connections over them. A child that dies is started again on the same socket (connections that
arrive meanwhile wait in its backlog); SIGTERM or Ctrl-C stops them all.

Several processes need a channel layer they share: the in-memory layer lives inside one process,
so the staff live view and takeover would only see that process's conversations. Hence more than
one worker requires REDIS_URL.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

RESTART_BACKOFF_S = (0.5, 1, 2, 5, 10)


def daphne_args(*, ping_interval: int, ping_timeout: int, proxy_headers: bool) -> list[str]:
    args = ["--ping-interval", str(ping_interval), "--ping-timeout", str(ping_timeout)]
    if proxy_headers:
        args.append("--proxy-headers")
    return args


class Command(BaseCommand):
    help = "Serve voxsite with Daphne: one process, or --workers N processes on one port (needs REDIS_URL)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=None,
                            help="Daphne processes (default: the WEB_CONCURRENCY setting, 1).")
        parser.add_argument("--ping-interval", type=int, default=10)
        parser.add_argument("--ping-timeout", type=int, default=30)
        parser.add_argument("--proxy-headers", action="store_true", help="trust X-Forwarded-For from a proxy in front")

    def handle(self, *args, host, port, workers, ping_interval, ping_timeout, proxy_headers, **options):
        workers = settings.WEB_CONCURRENCY if workers is None else workers
        if workers < 1:
            raise CommandError(f"--workers/WEB_CONCURRENCY must be at least 1, not {workers}.")
        if workers > 1 and not settings.REDIS_URL:
            raise CommandError(
                f"{workers} workers need a shared channel layer: set REDIS_URL (e.g. redis://127.0.0.1:6379/0), "
                "or serve one process (WEB_CONCURRENCY=1). The in-memory layer cannot reach across processes, "
                "so the staff live view and takeover would miss the other workers' conversations."
            )
        extra = daphne_args(ping_interval=ping_interval, ping_timeout=ping_timeout, proxy_headers=proxy_headers)
        daphne = [sys.executable, "-m", "daphne"]
        if workers == 1:
            self.stdout.write(f"Serving with Daphne on {host}:{port} (1 process)")
            sys.stdout.flush()
            os.execv(sys.executable, [*daphne, "-b", host, "-p", str(port), *extra, "voxsite.asgi:application"])

        if ":" in host:
            # Daphne's fd endpoint (Twisted's) adopts IPv4 sockets only.
            raise CommandError(f"{workers} workers listen on IPv4 only: use --host 0.0.0.0 or an IPv4 address, not {host}.")
        # One socket per worker, all bound to the port with SO_REUSEPORT: the kernel spreads new
        # connections over them. With one shared socket, Twisted's accept loop lets whichever
        # worker wakes first take every waiting connection (8 keep-alive clients all landed on
        # one worker in bench/bench_text.py while the other idled).
        socks = []
        for _ in range(workers):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            try:
                sock.bind((host, port))
            except OSError as exc:
                raise CommandError(f"cannot listen on {host}:{port}: {exc} (change --port or PORT)") from exc
            sock.listen(1024)
            sock.set_inheritable(True)
            socks.append(sock)
        cmds = [[*daphne, "--fd", str(sock.fileno()), *extra, "voxsite.asgi:application"] for sock in socks]
        Supervisor(cmds=cmds, fds=[sock.fileno() for sock in socks], out=self.stdout).run(f"{host}:{port}")


class Supervisor:
    """Keeps one child per command running (child i listens on fds[i]) until told to stop."""

    def __init__(self, *, cmds: list[list[str]], fds: list[int], out):
        self.cmds, self.fds, self.workers, self.out = cmds, fds, len(cmds), out
        self.children: dict[int, subprocess.Popen] = {}
        self.restarts: dict[int, int] = {}
        self.stopping = False

    def say(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def start(self, slot: int) -> None:
        proc = subprocess.Popen(self.cmds[slot], pass_fds=(self.fds[slot],))
        self.children[slot] = proc
        self.say(f"worker {slot + 1}/{self.workers} started (pid {proc.pid})")

    def stop(self, signum=None, frame=None) -> None:
        self.stopping = True

    def run(self, where: str) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.say(f"Serving with Daphne on {where} ({self.workers} processes)")
        for slot in range(self.workers):
            self.start(slot)
        try:
            while not self.stopping:
                for slot, proc in list(self.children.items()):
                    code = proc.poll()
                    if code is None:
                        continue
                    n = self.restarts.get(slot, 0)
                    wait = RESTART_BACKOFF_S[min(n, len(RESTART_BACKOFF_S) - 1)]
                    self.say(f"worker {slot + 1} (pid {proc.pid}) exited with {code}; starting it again in {wait} s")
                    self.restarts[slot] = n + 1
                    deadline = time.monotonic() + wait
                    while time.monotonic() < deadline and not self.stopping:
                        time.sleep(0.1)
                    if not self.stopping:
                        self.start(slot)
                time.sleep(0.2)
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        for proc in self.children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.children.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.say("all workers stopped")
