"""Turning samples into the results: medians, ratios against targets, the table, the RATIOS
line, the JSON file with the machine description, and the PNG bar chart."""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import shutil
import ssl
import statistics
import subprocess
from pathlib import Path

# Scenario → (unit, higher is better, unit of the client's CPU time per unit of work).
SCENARIOS = {
    "keepalive": ("req/s", True, "us/req"),
    "newconn": ("req/s", True, "us/req"),
    "resumed": ("req/s", True, "us/req"),
    "bulk": ("MB/s", True, "ms/MB"),  # 50 MiB download
    "bulk20": ("MB/s", True, "ms/MB"),  # 20 MiB download
    "upload20": ("MB/s", True, "ms/MB"),  # 20 MiB upload
    "threads": ("req/s", True, "us/req"),
    "coldstart": ("ms", False, None),
    # http.client: (d) create_ssl_context from the database against (e) PEM files
    "stdlib_keepalive": ("req/s", True, "us/req"),
    "stdlib_newconn": ("req/s", True, "us/req"),
    "stdlib_bulk20": ("MB/s", True, "ms/MB"),
    "stdlib_coldstart": ("ms", False, None),
}
#: what each scenario moves, for the table
DESCRIPTIONS = {
    "bulk": "download 50 MiB",
    "bulk20": "download 20 MiB",
    "upload20": "upload 20 MiB",
    "threads": "16 threads",
    "stdlib_bulk20": "download 20 MiB",
}
#: the standard library scenarios, (d) against (e); the others are (a) against (b)
STDLIB_SCENARIOS = tuple(s for s in SCENARIOS if s.startswith("stdlib_"))


def pair(scenario: str) -> tuple[str, str]:
    """The contenders a scenario compares: (NSSDB, PEM)."""
    return ("d", "e") if scenario in STDLIB_SCENARIOS else ("a", "b")

# Ratio name → (minimum, how it is computed). All ratios read "how many times better (a) is".
_TARGETS = {
    "keepalive": (1.05, "keepalive (a)/(b)"),
    "newconn": (1.3, "newconn (a)/(b)"),
    "resumed": (3.0, "resumed (a)/(b)"),
    "resumed_vs_s_time": (0.8, "resumed (a) / s_time -new"),
    "bulk": (1.05, "bulk 50 MiB (a)/(b)"),
    "bulk20": (1.05, "bulk 20 MiB (a)/(b)"),
    "upload20": (1.05, "upload 20 MiB (a)/(b)"),
    "threads": (1.3, "16 threads (a)/(b)"),
    "coldstart_vs_pem": (0.5, "coldstart time (b)/(a)"),
    "coldstart_vs_export": (3.0, "coldstart time (c)/(a)"),
}
#: the names of the RATIOS line, in order: the targeted ones, then the standard library's
#: (no target: about 1.0 is expected on I/O, both sides being the stdlib's own code; their
#: cold start shows what reading the database costs)
RATIO_NAMES = [*_TARGETS, *STDLIB_SCENARIOS]


def targets(key_type: str = "rsa") -> dict[str, tuple[float, str]]:
    """The issue's targets; cold start may be slower with RSA keys (NSS decrypts each of
    their private fields separately) than with EC keys."""
    chosen = dict(_TARGETS)
    if key_type == "ec":
        chosen["coldstart_vs_pem"] = (0.65, "coldstart time (b)/(a)")
    return chosen


def median(samples: list[float]) -> float | None:
    return statistics.median(samples) if samples else None


def _div(x: float | None, y: float | None) -> float | None:
    return x / y if x is not None and y else None


def ratios(
    medians: dict[str, dict[str, float | None]], s_time_rate: float | None = None
) -> dict[str, float | None]:
    """The issue's ratios from the per-scenario medians."""
    m = medians
    out: dict[str, float | None] = {}
    for name, (_, higher, _) in SCENARIOS.items():
        nss, pem = (m[name].get(c) for c in pair(name))
        out[name] = _div(nss, pem) if higher else _div(pem, nss)  # times better, either way
    out["resumed_vs_s_time"] = _div(m["resumed"].get("a"), s_time_rate)
    out["coldstart_vs_pem"] = out.pop("coldstart")
    out["coldstart_vs_export"] = _div(m["coldstart"].get("c"), m["coldstart"].get("a"))
    return {name: out[name] for name in RATIO_NAMES}


def cpu_ratios(cpu_medians: dict[str, dict[str, float | None]]) -> dict[str, float | None]:
    """How many times less client CPU (a) spends per request or MB than (b) (for the
    standard library scenarios, (d) than (e))."""
    out = {}
    for name, per in cpu_medians.items():
        if per:
            nss, pem = pair(name)
            out[name] = _div(per.get(pem), per.get(nss))
    return out


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def ratios_line(r: dict[str, float | None], threads_errors: int | None) -> str:
    """The last line of the output: every ratio, then the threads errors of (a)."""
    fields = [f"{n}={_fmt(r.get(n))}" for n in RATIO_NAMES]
    fields.append(f"threads_errors={'n/a' if threads_errors is None else threads_errors}")
    return "RATIOS " + " ".join(fields)


def cpu_line(r: dict[str, float | None]) -> str:
    """``CPU name=X ...``: (b)'s CPU time per unit of work divided by (a)'s."""
    return "CPU " + " ".join(f"{n}={_fmt(v)}" for n, v in r.items())


def _num(x: float | None) -> str:
    if x is None:
        return "-"
    if x >= 100:
        return f"{x:.0f}"
    return f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def _verdict(ratio: float | None, target: float | None) -> str:
    if target is None:
        return ""
    ok = "" if ratio is None else ("ok" if ratio >= target else "MISSED")
    return f">={target:g} {ok}"


def table(
    medians: dict[str, dict[str, float | None]],
    r: dict[str, float | None],
    s_time_rate: float | None,
    threads_errors: dict[str, int],
    labels: dict[str, str],
    goals: dict[str, tuple[float, str]],
) -> str:
    """The human-readable table (medians; the ratio column is (a) "times better" than (b))."""
    rows = [("scenario", "unit", labels["a"], labels["b"], labels["c"], "ratio", "target")]
    for name, (unit, higher, _) in SCENARIOS.items():
        if name in STDLIB_SCENARIOS:
            continue
        m = medians[name]
        key = "coldstart_vs_pem" if name == "coldstart" else name
        ratio, target = r.get(key), goals.get(key, (None,))[0]
        label = f"{name} ({DESCRIPTIONS[name]})" if name in DESCRIPTIONS else name
        rows.append(
            (
                label,
                unit + ("" if higher else " (lower is better)"),
                _num(m.get("a")),
                _num(m.get("b")),
                _num(m.get("c")),
                "-" if ratio is None else f"{ratio:.2f}",
                _verdict(ratio, target),
            )
        )
        if name == "resumed":
            limit = f"{_num(s_time_rate)} handshakes/s"
            rx = r["resumed_vs_s_time"]
            rows.append(
                (
                    "  limit: s_time -new", limit, "", "", "",
                    "-" if rx is None else f"{rx:.2f}",
                    _verdict(rx, goals["resumed_vs_s_time"][0]),
                )
            )
        if name == "coldstart":
            rx, tx = r["coldstart_vs_export"], goals["coldstart_vs_export"][0]
            rx_text = "-" if rx is None else f"{rx:.2f}"
            rows.append(("  vs export (c)/(a)", "", "", "", "", rx_text, _verdict(rx, tx)))
        if name == "threads":
            errs = [str(threads_errors[c]) if c in threads_errors else "-" for c in "ab"]
            rows.append(("  threads errors", "count", *errs, "", "", "0"))
    return _layout(rows)


def stdlib_table(
    medians: dict[str, dict[str, float | None]],
    r: dict[str, float | None],
    labels: dict[str, str],
) -> str:
    """http.client with (d) create_ssl_context against (e) PEM files; the ratio column is
    how many times better (d) is (about 1.0 expected on I/O)."""
    rows = [("standard library", "unit", labels["d"], labels["e"], "ratio")]
    for name in STDLIB_SCENARIOS:
        unit, higher, _ = SCENARIOS[name]
        m, ratio = medians[name], r.get(name)
        label = name.replace("stdlib_", "")
        if name in DESCRIPTIONS:
            label += f" ({DESCRIPTIONS[name]})"
        rows.append(
            (
                label,
                unit + ("" if higher else " (lower is better)"),
                _num(m.get("d")),
                _num(m.get("e")),
                "-" if ratio is None else f"{ratio:.2f}",
            )
        )
    return _layout(rows)


def cpu_table(
    cpu_medians: dict[str, dict[str, float | None]], r: dict[str, float | None]
) -> str:
    """The client's CPU time per request or per MB (lower is better); the ratio column is
    (b)/(a), how many times less CPU (a) needs (for the stdlib_ rows (e)/(d))."""
    rows = [("client CPU time", "unit", "NSSDB (a, d)", "PEM (b, e)", "PEM/NSSDB")]
    for name, (_, _, unit) in SCENARIOS.items():
        if unit is None:
            continue
        m = cpu_medians.get(name, {})
        ratio = r.get(name)
        ratio_text = "-" if ratio is None else f"{ratio:.2f}"
        nss, pem = pair(name)
        rows.append((name, unit, _num(m.get(nss)), _num(m.get(pem)), ratio_text))
    return _layout(rows)


def _layout(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def _run(*cmd: str) -> str | None:
    if not shutil.which(cmd[0]):
        return None
    proc = subprocess.run(cmd, capture_output=True, text=True)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def machine_info(nginx_version: str) -> dict[str, object]:
    """What the figures depend on: CPUs, Python, both OpenSSLs, NSS, library versions."""
    from cryptography.hazmat.backends.openssl import backend
    from OpenSSL import SSL

    cpu = None
    if os.path.exists("/proc/cpuinfo"):
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    nss = (
        _run("pkg-config", "--modversion", "nss")
        or _run("dpkg-query", "-W", "-f", "${Version}", "libnss3")
        or _run("rpm", "-q", "--qf", "%{VERSION}", "nss")
    )
    versions = {}
    for dist in ("requests", "urllib3", "pyOpenSSL", "cryptography", "matplotlib"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "openssl_cli": _run("openssl", "version"),
        "openssl_python_ssl": ssl.OPENSSL_VERSION,
        "openssl_pyopenssl": SSL.SSLeay_version(SSL.SSLEAY_VERSION).decode(),
        "openssl_cryptography": backend.openssl_version_text(),
        "nss": nss,
        "nginx": nginx_version,
        "packages": versions,
    }


def write_json(path: Path, data: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")


def plot(
    r: dict[str, float | None], path: Path, title: str, goals: dict[str, tuple[float, str]]
) -> None:
    """Bar chart of the ratios with each target drawn as a red line across its bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(goals)
    values = [r.get(n) or 0.0 for n in names]
    fig, ax = plt.subplots(figsize=(11, 4.8))
    colors = [
        "#999999" if r.get(n) is None else ("#4c9a2a" if v >= goals[n][0] else "#d9822b")
        for n, v in zip(names, values)
    ]
    bars = ax.bar(range(len(names)), values, color=colors, width=0.6)
    for i, (n, bar) in enumerate(zip(names, bars)):
        target = goals[n][0]
        ax.hlines(target, i - 0.42, i + 0.42, colors="red", linestyles="--", linewidth=1.5)
        ax.annotate(f"≥{target:g}", (i + 0.42, target), fontsize=7, color="red", va="bottom")
        text = "n/a" if r.get(n) is None else f"{values[i]:.2f}"
        ax.annotate(text, (i, bar.get_height()), ha="center", va="bottom", fontsize=9)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([goals[n][1] for n in names], rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("times better (higher is better)")
    ax.set_title(title, fontsize=10)
    ax.set_ylim(0, max([*values, *(t for t, _ in goals.values())]) * 1.2)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
