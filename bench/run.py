"""Benchmark: NSSDB client authentication (pki.client) against the PEM status quo, and the limit.

    python bench/run.py [--quick] [--json FILE] [--png FILE]

Starts nginx on loopback, builds an NSS database and PEM files for one client identity, and
measures every scenario for every contender in the same run: rounds of interleaved
measurements (a, b, then b, a in the next round, to cancel ordering effects), median reported.
Prints a table of medians, one of http.client with ``pki.tls.create_ssl_context`` against
http.client with PEM files (issue 13), one of the client's CPU time per request or MB, a
``CPU ...`` line and, as the last line, ``RATIOS ...`` (see issues 5, 9 and 13 and
bench/README.md).
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PKI_PATH = HERE.parent / "base" / "common" / "python"
# Measure this checkout's package, also where another copy of it is installed (the
# cold-start processes get the same path through PYTHONPATH).
sys.path.insert(0, str(PKI_PATH))

import contenders  # noqa: E402
import fixtures  # noqa: E402
import report  # noqa: E402
import scenarios  # noqa: E402


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="3 rounds, short s_time (< 2 minutes)")
    p.add_argument("--json", type=Path, help="write all figures and the machine here")
    p.add_argument(
        "--png",
        type=Path,
        help="ratio chart (default: next to --json, or bench/results/ratios.png)",
    )
    p.add_argument("--rounds", type=int, help="rounds of interleaved measurements")
    p.add_argument("--key-type", default="rsa", choices=["rsa", "ec"], help="client/server keys")
    p.add_argument("--nginx", help="nginx binary (default: from PATH, installed if missing)")
    p.add_argument(
        "--keepalive-gets", type=int, default=500, help="GETs of the keepalive scenario"
    )
    p.add_argument(
        "--newconn-gets", type=int, default=200, help="GETs of the newconn and resumed scenarios"
    )
    p.add_argument(
        "--only",
        help="comma-separated scenarios to run (default: all): "
        + ",".join([*ROUND_SCENARIOS, *COLDSTART_SCENARIOS]),
    )
    args = p.parse_args()
    args.only = set(args.only.split(",")) if args.only else None
    unknown = (args.only or set()) - {*ROUND_SCENARIOS, *COLDSTART_SCENARIOS}
    if unknown:
        p.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    args.rounds = args.rounds or (3 if args.quick else 5)
    args.s_time_seconds = 2 if args.quick else 5
    args.coldstart_runs = 10
    args.png = args.png or (
        args.json.with_suffix(".png") if args.json else HERE / "results" / "ratios.png"
    )
    return args


class Samples:
    """samples[scenario][contender] = [values] and the client's CPU time per unit of work,
    plus notes and errors for the report."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, list[float]]] = {s: {} for s in report.SCENARIOS}
        self.cpu: dict[str, dict[str, list[float]]] = {s: {} for s in report.SCENARIOS}
        self.notes: dict[str, dict[str, str]] = {s: {} for s in report.SCENARIOS}
        self.errors: dict[str, dict[str, str]] = {s: {} for s in report.SCENARIOS}
        self.threads_errors: dict[str, int] = {}
        self.s_time: list[float] = []
        self.s_time_error: str | None = None

    def add(self, scenario: str, contender: str, value: float, note: str = "") -> None:
        self.values[scenario].setdefault(contender, []).append(value)
        if note:
            self.notes[scenario][contender] = note

    def add_measurement(self, scenario: str, contender: str, m: scenarios.Measurement) -> None:
        self.add(scenario, contender, m.value, m.note)
        self.cpu[scenario].setdefault(contender, []).append(m.cpu)

    @staticmethod
    def _medians(table: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, float | None]]:
        return {s: {c: report.median(v) for c, v in per.items()} for s, per in table.items()}

    def medians(self) -> dict[str, dict[str, float | None]]:
        return self._medians(self.values)

    def cpu_medians(self) -> dict[str, dict[str, float | None]]:
        return {s: per for s, per in self._medians(self.cpu).items() if per}


#: the scenarios run in rounds (cold start runs apart, in fresh processes); the stdlib_ ones
#: compare (d) and (e), the others (a) and (b)
ROUND_SCENARIOS = (
    "keepalive", "newconn", "resumed", "bulk", "bulk20", "upload20", "threads",
    "stdlib_keepalive", "stdlib_newconn", "stdlib_bulk20",
)
#: cold start: (a), (b), (c) and the standard library's (d), (e), interleaved
COLDSTART_SCENARIOS = ("coldstart", "stdlib_coldstart")


def measure(scenario: str, name: str, creds, nginx, samples: Samples, args) -> None:
    """One sample of one scenario for client contender ``name`` (a fresh client object)."""
    kind = scenario.removeprefix("stdlib_")
    port = nginx.port_full if kind == "newconn" else nginx.port_resume
    try:
        client = contenders.CLIENTS[name](creds, port)
        try:
            if kind == "keepalive":
                m = scenarios.keepalive(client, args.keepalive_gets)
            elif kind in ("newconn", "resumed"):
                m = scenarios.new_connections(client, args.newconn_gets)
            elif kind == "bulk":
                m = scenarios.download(client, "/big.bin")
            elif kind == "bulk20":
                m = scenarios.download(client, "/big20.bin")
            elif kind == "upload20":
                m = scenarios.upload(client, args.upload_body)
            else:
                m, errors = scenarios.threads(client, 16, 100)
                samples.threads_errors[name] = samples.threads_errors.get(name, 0) + errors
            samples.add_measurement(scenario, name, m)
        finally:
            client.close()
    except Exception as e:
        samples.errors[scenario][name] = f"{type(e).__name__}: {e}"


def run_rounds(names: list[str], creds, nginx, args, samples: Samples) -> None:
    """All client scenarios, interleaved, then openssl s_time next to each newconn."""
    for i in range(args.rounds):
        for scenario in ROUND_SCENARIOS:
            if args.only is not None and scenario not in args.only:
                continue
            pair = [c for c in report.pair(scenario) if c in names]
            order = pair if i % 2 == 0 else pair[::-1]
            log(f"round {i + 1}/{args.rounds}: {scenario}")
            for name in order:
                measure(scenario, name, creds, nginx, samples, args)
            if scenario == "newconn":
                try:
                    rate, _ = scenarios.s_time(creds, nginx.port_full, args.s_time_seconds)
                    samples.s_time.append(rate)
                except Exception as e:
                    samples.s_time_error = str(e)


def run_coldstart(names: list[str], creds, nginx, args, tmp: Path, samples: Samples) -> None:
    """Fresh processes, interleaved; one untimed run each first (byte-compilation, page cache)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PKI_PATH), env.get("PYTHONPATH")]))
    groups = {
        "coldstart": [n for n in names if n in "ab"] + ["c"],
        "stdlib_coldstart": [n for n in names if n in "de"],
    }
    chosen = [s for s in groups if args.only is None or s in args.only]
    wanted = [n for s in chosen for n in groups[s]]
    commands = {
        n: contenders.coldstart_command(n, creds, nginx.port_resume, str(tmp)) for n in wanted
    }
    log(f"coldstart: {args.coldstart_runs} runs of {', '.join(commands)}")
    for i in range(args.coldstart_runs + 1):
        order = list(commands) if i % 2 == 0 else list(commands)[::-1]
        for name in order:
            try:
                scenario = "stdlib_coldstart" if name in "de" else "coldstart"
                ms = scenarios.coldstart(commands[name], env)
                if i > 0:
                    samples.add(scenario, name, ms)
            except Exception as e:
                samples.errors[scenario][name] = f"{type(e).__name__}: {e}"


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def main() -> int:
    args = parse_args()
    # Loopback only, even where a proxy is configured (inherited by the cold-start processes).
    os.environ["NO_PROXY"] = ",".join(filter(None, ["127.0.0.1", os.environ.get("NO_PROXY")]))
    os.environ.pop("no_proxy", None)
    started = time.monotonic()
    tmp = fixtures.private_tmpdir()
    log(f"setting up in {tmp}")
    creds = fixtures.make_credentials(tmp, args.key_type)
    fixtures.make_big_files(tmp)
    args.upload_body = scenarios.upload_body()
    nginx = fixtures.Nginx(args.nginx or fixtures.find_nginx(), tmp)
    nginx.start()

    unavailable = contenders.nss_unavailable(creds, nginx.port_resume)
    names = ["b", "d", "e"] if unavailable else ["a", "b", "d", "e"]
    if unavailable:
        log(f"contender (a) unavailable: {unavailable}")

    samples = Samples()
    run_rounds(names, creds, nginx, args, samples)
    if args.only is None or args.only & set(COLDSTART_SCENARIOS):
        run_coldstart(names, creds, nginx, args, tmp, samples)

    medians = samples.medians()
    for per in medians.values():
        for c in "abcde":
            per.setdefault(c, None)
    s_time_rate = report.median(samples.s_time)
    ratios = report.ratios(medians, s_time_rate)
    cpu_medians = samples.cpu_medians()
    cpu_ratios = report.cpu_ratios(cpu_medians)
    goals = report.targets(args.key_type)
    threads_errors = None if unavailable else samples.threads_errors.get("a")
    line = report.ratios_line(ratios, threads_errors)
    machine = report.machine_info(nginx.version())
    elapsed = time.monotonic() - started

    print(
        f"dogtag-pki bench ({'quick' if args.quick else 'full'}): {args.rounds} rounds, "
        f"medians; coldstart median of {args.coldstart_runs}; {args.key_type} keys"
    )
    import pki

    print(f"package: {Path(pki.__file__).parent}")
    print(
        f"machine: {machine['nproc']} CPUs ({machine['cpu']}), Python {machine['python']}, "
        f"{machine['openssl_cli']}, cryptography's {machine['openssl_cryptography']}, "
        f"NSS {machine['nss']}, nginx {machine['nginx']}"
    )
    print()
    print(
        report.table(
            medians, ratios, s_time_rate, samples.threads_errors, contenders.LABELS, goals
        )
    )
    print()
    print(report.stdlib_table(medians, ratios, contenders.LABELS))
    print()
    print(report.cpu_table(cpu_medians, cpu_ratios))
    print()
    print("checks (last sample):")
    for scenario in report.SCENARIOS:
        for c, note in samples.notes[scenario].items():
            print(f"  {scenario:<16} {contenders.LABELS[c]:<16} {note}")
    problems = [(s, c, e) for s, per in samples.errors.items() for c, e in per.items()]
    if unavailable:
        problems.insert(0, ("all", "a", unavailable))
    if samples.s_time_error:
        problems.append(("s_time", "-", samples.s_time_error))
    if problems:
        print("errors:")
        for s, c, e in problems:
            print(f"  {s:<16} {contenders.LABELS.get(c, c):<16} {e}")
    print(f"elapsed: {elapsed:.0f} s")

    data = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "package": str(PKI_PATH),
        "machine": machine,
        "config": {
            "quick": args.quick,
            "rounds": args.rounds,
            "key_type": args.key_type,
            "keepalive_gets": args.keepalive_gets,
            "newconn_gets": args.newconn_gets,
            "resumed_gets": args.newconn_gets,
            "download_bytes": fixtures.DOWNLOADS,
            "upload_bytes": fixtures.UPLOAD_SIZE,
            "threads": [16, 100],
            "coldstart_runs": args.coldstart_runs,
            "s_time_seconds": args.s_time_seconds,
        },
        "contender_a_unavailable": unavailable,
        "scenarios": {
            s: {
                "unit": unit,
                "higher_is_better": higher,
                "samples": samples.values[s],
                "median": {c: v for c, v in medians[s].items() if v is not None},
                "cpu_unit": cpu_unit,
                "cpu_samples": samples.cpu[s],
                "cpu_median": {
                    c: v for c, v in cpu_medians.get(s, {}).items() if v is not None
                },
                "notes": samples.notes[s],
                "errors": samples.errors[s],
            }
            for s, (unit, higher, cpu_unit) in report.SCENARIOS.items()
        },
        "threads_errors": samples.threads_errors,
        "s_time": {
            "unit": "handshakes/s",
            "samples": samples.s_time,
            "median": s_time_rate,
            "error": samples.s_time_error,
        },
        "ratios": ratios,
        "cpu_ratios": cpu_ratios,
        "targets": {n: t for n, (t, _) in goals.items()},
        "ratios_line": line,
        "elapsed_seconds": round(elapsed, 1),
    }
    if args.json:
        report.write_json(args.json, data)
        log(f"wrote {args.json}")
    try:
        title = (
            f"dogtag-pki bench ({'quick' if args.quick else 'full'}): (a) NSSDB vs (b) PEM"
            f" and (c) export, medians of {args.rounds} rounds\n{machine['nproc']} CPUs, Python "
            f"{machine['python']}, {machine['openssl_cli']}, NSS {machine['nss']}"
        )
        report.plot(ratios, args.png, title, goals)
        log(f"wrote {args.png}")
    except ImportError:
        log("matplotlib missing: no chart (pip install -r bench/requirements.txt)")
    print(report.cpu_line(cpu_ratios))
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
