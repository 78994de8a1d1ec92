"""Start-up benchmark of the command line (issue 12 §5): wall time of fresh processes.

    .venv/bin/python bench/bench_startup.py [-n 15] [--json]

Runs each command ``-n`` times as a new process, interleaved (one of each per round, so a
drift of the machine's speed hits all alike), with one launcher for all: ``subprocess.run``
of an argument list, no shell, output discarded, wall time from ``time.perf_counter``
around it. Prints the median and the spread in ms, each median as a ratio of the
``python -c pass`` baseline measured in the same run, and the median CPU time of the
process (user + system; less sensitive than the wall time to other work on the machine):

- ``python -c pass``: the interpreter alone (the baseline);
- ``slawatch --help``: the whole command list (every command module imported);
- ``slawatch deadline …``: a deadline from the bundled policies (pydantic, the five policy
  files, holidays, the clock arithmetic).

``slawatch`` is the console script next to this interpreter (``python -m streams`` where
there is none). Which code ran is printed: compiled (mypyc) or the pure-Python sources.

The processes run as an installed ``slawatch`` does, with Python's bytecode cache: a
``PYTHONDONTWRITEBYTECODE`` of the calling shell is dropped for them (with it every run
would compile the project's modules from source again, ~50 ms), and one warm-up run per
command writes the cache before the timed rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEADLINE_ARGS = (
    "deadline",
    "--policy",
    "bokumo-ict",
    "--clock",
    "resolution",
    "--start",
    "2026-03-02T09:00:00+01:00",
    "--impact",
    "single_user",
    "--urgency",
    "laag",
)


def slawatch_command() -> list[str]:
    """The installed console script beside this interpreter, else ``python -m streams``."""
    script = Path(sys.executable).with_name("slawatch")
    if script.exists():
        return [str(script)]
    found = shutil.which("slawatch")
    return [found] if found else [sys.executable, "-m", "streams"]


def commands() -> dict[str, list[str]]:
    slawatch = slawatch_command()
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "slawatch --help": [*slawatch, "--help"],
        "slawatch deadline": [*slawatch, *DEADLINE_ARGS],
    }


#: the children's environment: as a user's shell, with the bytecode cache (see the doc)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
#: the children's working directory: none with a source tree in it, so that every child
#: (the code probe included) imports the installed slawatch
NEUTRAL_DIR = "/"


def run_once(argv: list[str]) -> tuple[float, float]:
    """Seconds of wall time and of CPU time (user + system) of one fresh process (it must
    succeed). The CPU time is the child's own: on a machine shared with other work it
    varies less than the wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV, cwd=NEUTRAL_DIR
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def which_code() -> str:
    probe = (
        "import calendars.calendar as c; "
        "print('compiled (mypyc)' if c.__file__.endswith(('.so', '.pyd')) else 'pure Python')"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=ENV, cwd=NEUTRAL_DIR
    )
    return out.stdout.strip() or out.stderr.strip()


def measure(n: int) -> dict[str, list[tuple[float, float]]]:
    cmds = commands()
    for argv in cmds.values():  # warm the file and bytecode caches (and fail early)
        run_once(argv)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in cmds}
    for _ in range(n):
        for name, argv in cmds.items():
            times[name].append(run_once(argv))
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=15, help="fresh processes per command")
    ap.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    args = ap.parse_args(argv)
    times = measure(args.n)
    base = statistics.median(w for w, _ in times["python -c pass"])
    rows = {}
    for name, runs in times.items():
        wall = [w for w, _ in runs]
        rows[name] = {
            "median_ms": round(statistics.median(wall) * 1000, 1),
            "min_ms": round(min(wall) * 1000, 1),
            "max_ms": round(max(wall) * 1000, 1),
            "ratio": round(statistics.median(wall) / base, 1),
            "cpu_median_ms": round(statistics.median(c for _, c in runs) * 1000, 1),
        }
    code = which_code()
    if args.json:
        doc = {"n": args.n, "code": code, "cpus": os.cpu_count(), "commands": rows}
        print(json.dumps(doc, indent=2))
        return 0
    print(f"start-up, median of {args.n} fresh processes each; code: {code}")
    for name, r in rows.items():
        print(
            f"  {name:<18} {r['median_ms']:>7.1f} ms  ({r['min_ms']:.1f}–{r['max_ms']:.1f})"
            f"  {r['ratio']:>5.1f}× python -c pass;  CPU {r['cpu_median_ms']:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
