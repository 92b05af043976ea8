"""Run a snippet in a fresh interpreter under an audit hook that records every write.

Audit hooks cannot be removed once added, so each check runs in its own process. The
snippet runs after ``HOOK`` is installed and ends by printing ``repr(writes)``: every
``open`` for writing or creating, and every temporary file or directory made.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

HOOK = textwrap.dedent(
    """
    import os, sys
    writes = []
    def _hook(event, args):
        if event == "open":
            path, mode, flags = args
            if (mode and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
            ):
                writes.append(path)
        elif event in ("tempfile.mkstemp", "tempfile.mkdtemp", "os.mkdir", "os.rename",
                       "os.remove", "shutil.copyfile"):
            writes.append((event, args[0] if args else None))
    """
)


def run_audited(
    imports: str,
    body: str,
    *args: str,
    env: dict[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> list[str]:
    """Import ``imports`` first (imports may compile bytecode), then install the hook and run
    ``body`` (in ``cwd``, with ``env`` added to the environment); return the snippet's
    stdout lines, the last one being ``repr(writes)``."""
    script = imports + "\n" + HOOK + "sys.addaudithook(_hook)\n" + textwrap.dedent(body)
    script += "\nprint(repr(writes))\n"
    full_env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), **(env or {}))
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True, text=True, env=full_env, check=True, cwd=cwd,
    ).stdout.splitlines()
