"""``localstat serve``: gunicorn with WhiteNoise for pages, a worker for background tasks, and the minute tick."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from localstat.demo.pipeline import login_lines


class Command(BaseCommand):
    help = "Serve LocalStat with gunicorn (static files by WhiteNoise) and run the background-task worker beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")

    def handle(self, *args: Any, host: str, port: int, workers: int, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "localstat.settings"}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "localstat.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--threads",
                "4",
                "--access-logfile",
                "-" if settings.DEBUG else "/dev/null",
                "--log-level",
                "warning",
            ],
            env=environment,
        )
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "localstat.cli",
                "db_worker",
                "--no-reload",
                "--interval",
                "2",
                "--no-startup-delay",
            ],
            env=environment,
        )
        time.sleep(1.0)
        if server.poll() is not None:
            worker.terminate()
            self.stderr.write(f"gunicorn stopped at once (exit {server.returncode}); is port {port} in use?")
            sys.exit(1)
        self.stdout.write(f"LocalStat is running at http://{host}:{port}/")
        for line in login_lines():
            self.stdout.write(line)
        self.stdout.flush()

        def stop(signum: int, frame: object) -> None:
            for process in (server, worker):
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        # Time-based rules (overdue returns first) are evaluated once a minute, one tick at a time.
        tick: subprocess.Popen[bytes] | None = None
        next_tick = time.monotonic()
        try:
            while server.poll() is None:
                if worker.poll() is not None:
                    self.stderr.write("The task worker stopped; restarting it.")
                    worker = subprocess.Popen(worker.args, env=environment)
                if time.monotonic() >= next_tick and (tick is None or tick.poll() is not None):
                    tick = subprocess.Popen(
                        [sys.executable, "-m", "localstat.cli", "tick"],
                        env=environment,
                        stdout=subprocess.DEVNULL,
                    )
                    next_tick = time.monotonic() + 60.0
                time.sleep(1.0)
        finally:
            if tick is not None and tick.poll() is None:
                tick.terminate()
            stop(signal.SIGTERM, None)
            for process in (server, worker):
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
