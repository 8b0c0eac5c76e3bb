"""Load on the public pages: `wrk -t1 -c50 -d20s --latency` against gunicorn on PostgreSQL.

    .venv/bin/python bench/publication/run.py                 # build the database, then measure
    .venv/bin/python bench/publication/run.py --reuse         # measure an already built database

Builds the demo's published chains (the steps the public pages read: chain, framework, returns,
assessment, publication) into the PostgreSQL database ``publication_bench`` (dropped and made
again; ``LOCALSTAT_BENCH_PG`` names another server, ``LOCALSTAT_BENCH_DB``, ``_PORT`` and ``_VAR_DIR``
another database, port and folder), starts gunicorn as ``localstat serve`` does
(2 workers × 4 threads), and runs wrk against, in turn:

- **reference**: a static file served by WhiteNoise from the same gunicorn (the server's floor);
- **unit pages**: every published unit's page in turn (274 NHS providers and the synthetic units);
- **league table**: the A&E 4-hour league table (218 ranked trusts);

each first with whole-page caching (the default) and then with it off (``LOCALSTAT_PAGE_CACHE=off``),
and reports requests per second, p90 and p99 latency, errors, and each page's ratio to the reference
measured in the same run. Traffic goes to 127.0.0.1 only; each wrk run stops after 20 s.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
SERVER = os.environ.get("LOCALSTAT_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
#: Another database, port or folder by environment, so two people can measure on one machine at once.
DATABASE = os.environ.get("LOCALSTAT_BENCH_DB", "publication_bench")
PORT = int(os.environ.get("LOCALSTAT_BENCH_PORT", "8021"))
VAR_DIR = Path(os.environ.get("LOCALSTAT_BENCH_VAR_DIR", Path(tempfile.gettempdir()) / "publication-bench"))

BUILD = """
import django
django.setup()
from django.core.management import call_command
from localstat.demo import pipeline
call_command("migrate", interactive=False, verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
steps = [s for s in pipeline.discover_steps() if s.name in {"chain", "framework", "returns", "assessment", "publication"}]
pipeline.discover_steps = lambda: steps
pipeline.build_demo(seed=2004, scale=%r, reset=True, progress=print)
"""
LIST = """
import django
django.setup()
from localstat.publication.selectors import published_units
from django.templatetags.static import static
print("UNITS", " ".join(published_units().values_list("code", flat=True)))
print("STATIC", static("build/localstat.css"))
"""


def environment(cache: bool) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{DATABASE}",
        "LOCALSTAT_VAR_DIR": str(VAR_DIR),
        "DJANGO_SETTINGS_MODULE": "localstat.settings",
    }
    env.pop("LOCALSTAT_PLAIN_STATIC", None)
    if not cache:
        env["LOCALSTAT_PAGE_CACHE"] = "off"
    return env


def build(scale: str) -> tuple[list[str], str]:
    subprocess.run(["psql", SERVER, "-qc", f"DROP DATABASE IF EXISTS {DATABASE}"], check=True)
    subprocess.run(["psql", SERVER, "-qc", f"CREATE DATABASE {DATABASE}"], check=True)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run([PYTHON, "-c", BUILD % scale], env=environment(True), check=True, capture_output=True)
    return reuse()


def listing(output: str) -> tuple[list[str], str]:
    units = next(line for line in output.splitlines() if line.startswith("UNITS ")).split()[1:]
    static = next(line for line in output.splitlines() if line.startswith("STATIC ")).split()[1]
    return units, static


def reuse() -> tuple[list[str], str]:
    return listing(
        subprocess.run(
            [PYTHON, "-c", LIST], env=environment(True), check=True, capture_output=True, text=True
        ).stdout
    )


def serve(cache: bool) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "localstat.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
        ],
        env=environment(cache),
        cwd=ROOT,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/data/", timeout=5)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer on port {PORT}")


def wrk(path: str, script: str | None = None, units: str | None = None) -> dict[str, float]:
    command = ["wrk", "-t1", "-c50", "-d20s", "--latency", "--timeout", "5s"]
    if script:
        command += ["-s", script]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{PORT}{path}"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "UNITS": units or ""},
    ).stdout

    def latency(percentile: str) -> float:
        value, unit = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = 0
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket:
        errors += sum(int(n) for n in socket.groups())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        errors += int(non_2xx.group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return {"rps": rps, "p90": latency("90"), "p99": latency("99"), "errors": errors, "requests": requests}


def warm(paths: list[str]) -> None:
    # The page cache is a file cache both gunicorn workers share: one round fills it.
    for path in paths:
        urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=60).read()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reuse", action="store_true", help="Measure the database already built.")
    parser.add_argument("--scale", default="small", choices=["small", "regional"])
    args = parser.parse_args()
    started = time.perf_counter()
    units, static = reuse() if args.reuse else build(args.scale)
    print(
        f"database {DATABASE}: {len(units)} published units ({time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(f"/units/{code}/" for code in units) + "\n")
        unit_list = handle.name
    script = str(Path(__file__).with_name("units.lua"))
    rows = []
    for cache in (True, False):
        server = serve(cache)
        try:
            if cache:
                warm([f"/units/{code}/" for code in units] + ["/league-tables/AE4H/"])
            else:
                warm(["/league-tables/AE4H/"])  # charts are rendered once per release, not per request
            reference = wrk(static)
            for name, result in (
                ("reference: static file", reference),
                ("unit pages", wrk("/", script, unit_list)),
                ("league table AE4H", wrk("/league-tables/AE4H/")),
            ):
                rows.append((name, "on" if cache else "off", result, result["rps"] / reference["rps"]))
                print(f"  {name} (cache {'on' if cache else 'off'}): {result}", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print()
    print("| page | page cache | requests/s | p90 ms | p99 ms | errors | ÷ reference requests/s |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for name, cache_state, r, ratio in rows:
        print(
            f"| {name} | {cache_state} | {r['rps']:,.0f} | {r['p90']:.1f} | {r['p99']:.1f} | {r['errors']:.0f} | {ratio:.2f} |"
        )
    os.unlink(unit_list)


if __name__ == "__main__":
    sys.exit(main())
