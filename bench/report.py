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

# Scenario → (unit, higher is better).
SCENARIOS = {
    "keepalive": ("req/s", True),
    "newconn": ("req/s", True),
    "resumed": ("req/s", True),
    "bulk": ("MB/s", True),
    "coldstart": ("ms", False),
    "threads": ("req/s", True),
}

# Ratio name → (minimum, how it is computed). All ratios read "how many times better (a) is".
TARGETS = {
    "keepalive": (1.0, "keepalive (a)/(b)"),
    "newconn": (1.3, "newconn (a)/(b)"),
    "resumed": (2.0, "resumed (a)/(b)"),
    "bulk": (0.95, "bulk (a)/(b)"),
    "coldstart_vs_pem": (0.65, "coldstart time (b)/(a)"),
    "coldstart_vs_export": (3.0, "coldstart time (c)/(a)"),
    "threads_vs_keepalive": (1.0, "threads (a) / keepalive (a)"),
}


def median(samples: list[float]) -> float | None:
    return statistics.median(samples) if samples else None


def _div(x: float | None, y: float | None) -> float | None:
    return x / y if x is not None and y else None


def ratios(medians: dict[str, dict[str, float | None]]) -> dict[str, float | None]:
    """The issue's ratios from the per-scenario medians."""
    m = medians
    out = {name: _div(m[name].get("a"), m[name].get("b")) for name in SCENARIOS}
    out["coldstart_vs_pem"] = _div(m["coldstart"].get("b"), m["coldstart"].get("a"))
    out["coldstart_vs_export"] = _div(m["coldstart"].get("c"), m["coldstart"].get("a"))
    out["threads_vs_keepalive"] = _div(m["threads"].get("a"), m["keepalive"].get("a"))
    del out["coldstart"], out["threads"]
    return out


def ratios_line(r: dict[str, float | None], threads_errors: int | None) -> str:
    """The last line of the output, exactly as the issue specifies it."""

    def fmt(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.2f}"

    names = ["keepalive", "newconn", "resumed", "bulk", "coldstart_vs_pem", "coldstart_vs_export"]
    fields = [f"{n}={fmt(r[n])}" for n in names]
    fields.append(f"threads_errors={'n/a' if threads_errors is None else threads_errors}")
    return "RATIOS " + " ".join(fields)


def _num(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}"


def table(
    medians: dict[str, dict[str, float | None]],
    r: dict[str, float | None],
    s_time_rate: float | None,
    threads_errors: dict[str, int],
    labels: dict[str, str],
) -> str:
    """The human-readable table (medians; the ratio column is (a) "times better" than (b))."""
    rows = [("scenario", "unit", labels["a"], labels["b"], labels["c"], "ratio", "target")]
    for name, (unit, higher) in SCENARIOS.items():
        m = medians[name]
        key = "coldstart_vs_pem" if name == "coldstart" else name
        ratio, target = r.get(key), TARGETS.get(key, (None,))[0]
        ok = "" if ratio is None or target is None else ("ok" if ratio >= target else "MISSED")
        rows.append(
            (
                name,
                unit + ("" if higher else " (lower is better)"),
                _num(m.get("a")),
                _num(m.get("b")),
                _num(m.get("c")),
                "-" if ratio is None else f"{ratio:.2f}",
                "" if target is None else f">={target:g} {ok}",
            )
        )
        if name == "newconn":
            limit = f"{_num(s_time_rate)} handshakes/s"
            rows.append(("  limit: s_time -new", limit, "", "", "", "", ""))
        if name == "coldstart":
            rx, tx = r["coldstart_vs_export"], TARGETS["coldstart_vs_export"][0]
            ok = "" if rx is None else ("ok" if rx >= tx else "MISSED")
            rx_text = "-" if rx is None else f"{rx:.2f}"
            rows.append(("  vs export (c)/(a)", "", "", "", "", rx_text, f">={tx:g} {ok}"))
        if name == "threads":
            errs = [str(threads_errors[c]) if c in threads_errors else "-" for c in "ab"]
            rows.append(("  threads errors", "count", *errs, "", "", "0"))
            rt, tt = r["threads_vs_keepalive"], TARGETS["threads_vs_keepalive"][0]
            ok = "" if rt is None else ("ok" if rt >= tt else "MISSED")
            rt_text = "-" if rt is None else f"{rt:.2f}"
            rows.append(("  (a) threads/keepalive", "", "", "", "", rt_text, f">={tt:g} {ok}"))
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


def plot(r: dict[str, float | None], path: Path, title: str) -> None:
    """Bar chart of the ratios with each target drawn as a red line across its bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(TARGETS)
    values = [r.get(n) or 0.0 for n in names]
    fig, ax = plt.subplots(figsize=(10, 4.8))
    colors = [
        "#999999" if r.get(n) is None else ("#4c9a2a" if v >= TARGETS[n][0] else "#d9822b")
        for n, v in zip(names, values)
    ]
    bars = ax.bar(range(len(names)), values, color=colors, width=0.6)
    for i, (n, bar) in enumerate(zip(names, bars)):
        target = TARGETS[n][0]
        ax.hlines(target, i - 0.42, i + 0.42, colors="red", linestyles="--", linewidth=1.5)
        ax.annotate(f"≥{target:g}", (i + 0.42, target), fontsize=7, color="red", va="bottom")
        text = "n/a" if r.get(n) is None else f"{values[i]:.2f}"
        ax.annotate(text, (i, bar.get_height()), ha="center", va="bottom", fontsize=9)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([TARGETS[n][1] for n in names], rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("times better (higher is better)")
    ax.set_title(title, fontsize=10)
    ax.set_ylim(0, max([*values, *(t for t, _ in TARGETS.values())]) * 1.2)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
