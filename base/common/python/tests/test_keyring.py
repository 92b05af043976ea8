"""pki.keyring against the real kernel keyring, through the real ``keyctl``.

Every key a test adds has a unique name and is unlinked when the test ends; ``clear_keyring``
only ever runs on a keyring the test made for itself (never on the machine's ``@u``).
"""

from __future__ import annotations

import logging
import os
import pwd
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Callable

import pytest
from audit_hook import HOOK, run_audited
from pki.keyring import Keyring, ToolNotFoundError

pytestmark = pytest.mark.skipif(
    shutil.which("keyctl") is None,
    reason="keyctl missing: install keyutils (scripts/setup.sh does)",
)


def _keyctl(*args: str, owner: str | None = None, check: bool = True) -> str:
    prefix = ["runuser", "-u", owner, "--"] if owner else []
    result = subprocess.run(
        [*prefix, "keyctl", *args], capture_output=True, text=True, check=check
    )
    return result.stdout.strip()


def _find(keyring: str, name: str, owner: str | None = None) -> str | None:
    found = _keyctl("search", keyring, "user", name, owner=owner, check=False)
    return found or None


@pytest.fixture
def key_name() -> Iterator[Callable[..., str]]:
    """Factory: a unique key name; every key of that name in ``@u`` (of the owner given) is
    unlinked when the test ends."""
    made: list[tuple[str, str | None]] = []

    def make(owner: str | None = None) -> str:
        name = f"pki-test-{uuid.uuid4().hex}"
        made.append((name, owner))
        return name

    yield make
    for name, owner in made:
        while (key_id := _find("@u", name, owner)) is not None:
            _keyctl("unlink", key_id, "@u", owner=owner)


@pytest.fixture
def fresh_keyring() -> Iterator[str]:
    """A new keyring linked into ``@u``, as ``%:NAME``; unlinked (with its keys) at the end."""
    name = f"pki-test-ring-{uuid.uuid4().hex}"
    ring_id = _keyctl("newring", name, "@u")
    yield f"%:{name}"
    _keyctl("clear", ring_id, check=False)
    _keyctl("unlink", ring_id, "@u")


def test_the_kernel_keyring_works_here() -> None:
    """The tests below need real keyring syscalls; this says so plainly when they fail."""
    assert _keyctl("show", "@u").startswith("Keyring")


@pytest.mark.parametrize(
    "password",
    ["Secret.123 with spaces", "pässwörd-ünïcode-密码", "ends with a newline\n", "\n\n", "x"],
)
def test_raw_round_trip(key_name: Callable[..., str], password: str) -> None:
    name = key_name()
    keyring = Keyring()
    output, error = keyring.put_password(name, password.encode("utf-8"))
    assert error is None
    key_id = keyring.get_key_id(name)
    assert key_id is not None and output == f"{key_id}\n".encode()
    assert keyring.get_password(name) == password
    assert keyring.get_password(name, output_format="RAW") == password


def test_hex_is_what_keyctl_read_prints(key_name: Callable[..., str]) -> None:
    name = key_name()
    password = "pässwörd\n"
    keyring = Keyring()
    keyring.put_password(name, bytearray(password.encode("utf-8")))
    shown = keyring.get_password(name, output_format="hex")
    data = password.encode("utf-8")
    assert shown.splitlines()[0] == f"{len(data)} bytes of data in key:"
    assert "".join(shown.split("\n", 1)[1].split()) == data.hex()
    assert shown == subprocess.run(
        ["keyctl", "read", keyring.get_key_id(name) or "?"],
        capture_output=True, text=True, check=True,
    ).stdout


def test_a_str_password_is_stored_as_utf8(key_name: Callable[..., str]) -> None:
    name = key_name()
    Keyring().put_password(name, "straße")
    assert Keyring().get_password(name) == "straße"


def test_key_in_a_named_keyring_by_name_and_by_id(
    key_name: Callable[..., str], fresh_keyring: str
) -> None:
    name = key_name()
    by_name = Keyring(keyring=fresh_keyring)
    by_name.put_password(name, b"in the ring")
    ring_id = _keyctl("search", "@u", "keyring", fresh_keyring[2:])
    assert Keyring(keyring=ring_id).get_password(name) == "in the ring"
    assert _find("@u", name) is not None  # search goes through the linked ring


def test_missing_key_and_bad_format(key_name: Callable[..., str]) -> None:
    name = key_name()
    keyring = Keyring()
    assert keyring.get_key_id(name) is None
    with pytest.raises(ValueError, match=f"No id for key {name} in keyring"):
        keyring.get_password(name)
    with pytest.raises(AttributeError, match=r"output_format must be one of \['raw', 'hex'\]"):
        keyring.get_password(name, output_format="base64")


def test_a_failing_keyctl_raises_as_upstream(key_name: Callable[..., str]) -> None:
    """``padd`` into a keyring that does not exist fails quietly (upstream returns keyctl's
    message); clearing it raises ``CalledProcessError``."""
    name = key_name()
    missing = Keyring(keyring=f"%:pki-test-no-such-ring-{uuid.uuid4().hex}")
    output, error = missing.put_password(name, b"lost")
    assert error is None and b"Can't find" in output and _find("@u", name) is None
    with pytest.raises(subprocess.CalledProcessError):
        missing.clear_keyring()


def test_clear_keyring_empties_only_that_keyring(
    key_name: Callable[..., str], fresh_keyring: str
) -> None:
    inside, outside = key_name(), key_name()
    ring = Keyring(keyring=fresh_keyring)
    ring.put_password(inside, b"one")
    Keyring().put_password(outside, b"two")
    assert ring.clear_keyring() == 0
    assert ring.get_key_id(inside) is None
    assert Keyring().get_password(outside) == "two"


def test_keyctl_missing_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(FileNotFoundError, match="install keyutils") as info:
        Keyring().get_key_id("anything")
    assert isinstance(info.value, ToolNotFoundError)


def _other_user() -> str | None:
    for name in ("nobody", "daemon"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    return None


def test_owner_runs_keyctl_as_that_user(key_name: Callable[..., str]) -> None:
    other = _other_user()
    if shutil.which("runuser") is None or os.geteuid() != 0 or other is None:
        pytest.skip("needs root, runuser and a non-root user (nobody) to switch to")
    name = key_name(owner=other)
    keyring = Keyring(owner=other)
    keyring.put_password(name, b"owner's secret\n")
    assert keyring.get_password(name) == "owner's secret\n"
    assert _find("@u", name, owner=other) == keyring.get_key_id(name)
    assert _find("@u", name) is None  # in that user's keyring, not in ours


def test_commands_are_logged_without_the_password(
    key_name: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    name = key_name()
    secret = "logged-" + uuid.uuid4().hex
    with caplog.at_level(logging.DEBUG, logger="pki.keyring"):
        Keyring().put_password(name, secret.encode())
        assert Keyring().get_password(name) == secret
        Keyring().get_password(name, output_format="hex")
    commands = [r.getMessage() for r in caplog.records]
    assert any(f"keyctl padd user {name} @u" in c for c in commands), commands
    assert [c for c in commands if secret in c or secret.encode().hex() in c] == []


#: Added after the audit hook: ``subprocess`` opens the write end of the child's standard
#: input as a file descriptor (an ``open`` event with an int); those count only if the
#: descriptor is not a pipe. ``END`` drops the pipes from ``writes`` before it is printed.
PIPES_ONLY = """
import stat as _stat
def _fd_hook(event, args):
    if event == "open" and isinstance(args[0], int):
        if not _stat.S_ISFIFO(os.fstat(args[0]).st_mode):
            writes.append(("not a pipe", args[0]))
sys.addaudithook(_fd_hook)
"""
END = "writes[:] = [w for w in writes if not isinstance(w, int)]\n"

_EXECVE = re.compile(r"execve\((.*)\)\s+=\s+-?\d+")  # failed attempts too


def test_the_password_is_in_no_argv_and_no_file(key_name: Callable[..., str]) -> None:
    """``strace -f`` shows every program started with its arguments (keyctl, and runuser's
    keyctl with an owner); the audit hook shows every file Python opened for writing. The
    snippet (with the secret) comes on standard input, so no argv carries it but keyctl's."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed (scripts/setup.sh installs it)")
    other = _other_user() if os.geteuid() == 0 and shutil.which("runuser") else None
    keys = [("Keyring()", key_name())]
    if other:
        keys.append((f"Keyring(owner={other!r})", key_name(owner=other)))
    secret = "argv-" + uuid.uuid4().hex
    body = "".join(
        f"{ring}.put_password({key!r}, SECRET.encode())\n"
        f"assert {ring}.get_password({key!r}) == SECRET\n"
        f"{ring}.get_password({key!r}, output_format='hex')\n"
        for ring, key in keys
    )
    script = (
        "import sys\nfrom pki.keyring import Keyring\n" + HOOK + "sys.addaudithook(_hook)\n"
        + PIPES_ONLY + f"SECRET = {secret!r}\n" + body + END + "print(repr(writes))\n"
    )
    traced = subprocess.run(
        [strace, "-f", "-qq", "-s", "65536", "-e", "trace=execve",
         sys.executable, "-c", "import sys; exec(sys.stdin.read())"],
        input=script, capture_output=True, text=True, check=True,
    )
    calls = _EXECVE.findall(traced.stderr)
    keyctl_calls = [c for c in calls if "keyctl" in c.split(",", 1)[0]]
    # per key: padd, then search + pipe, search + read
    assert len(keyctl_calls) >= 5 * len(keys), traced.stderr
    assert [c for c in calls if secret in c or secret.encode().hex() in c] == []
    assert traced.stdout.splitlines()[-1] == "[]"


def test_audit_hook_sees_no_file_written(key_name: Callable[..., str]) -> None:
    name = key_name()
    secret = "file-" + uuid.uuid4().hex
    lines = run_audited(
        "from pki.keyring import Keyring",
        PIPES_ONLY + f"""
Keyring().put_password({name!r}, sys.argv[1].encode())
print(Keyring().get_password({name!r}) == sys.argv[1])
""" + END,
        secret,
    )
    assert lines == ["True", "[]"]
