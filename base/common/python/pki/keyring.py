"""The Linux kernel keyring through ``keyctl`` (keyutils): upstream's ``pki.keyring``.

Dogtag's server tools keep passwords in the kernel keyring rather than in files
(``pki.server`` reads them with ``Keyring().get_password(key_name)``). As upstream, this runs
the ``keyctl`` program, as ``runuser -u OWNER -- keyctl ...`` when the keyring belongs to
another user. The password goes to ``keyctl padd`` on its standard input only (never in
argv, a file or a log line), and comes back on ``keyctl``'s standard output; the commands
that are logged hold key names and IDs, never a secret.

Upstream's return values and exceptions are kept: ``put_password`` returns the
``(output, None)`` pair of ``Popen.communicate``, ``get_key_id`` a string or None,
``get_password`` a string (``AttributeError`` for an unknown format, ``ValueError`` for a
missing key, ``subprocess.CalledProcessError`` when ``keyctl`` fails), ``clear_keyring``
0. A missing ``keyctl`` (or ``runuser``) raises ``FileNotFoundError`` naming the package to
install.
"""

from __future__ import annotations

import logging
import shutil
import subprocess

logger = logging.getLogger(__name__)

__all__ = ["Keyring", "ToolNotFoundError"]

_PACKAGES = {
    "keyctl": "keyutils (Debian/Ubuntu: apt-get install keyutils; Fedora/RHEL: "
    "dnf install keyutils)",
    "runuser": "util-linux",
}


class ToolNotFoundError(FileNotFoundError):
    """``keyctl`` or ``runuser`` is not installed (a ``FileNotFoundError``, as upstream's
    ``subprocess`` call raises then)."""


class Keyring:
    """A kernel keyring (``@u``, the user keyring, by default) holding keys of ``key_type``
    (``user``); ``owner`` runs every ``keyctl`` as that user (with ``runuser``, so as root),
    which reaches that user's keyrings."""

    def __init__(self, keyring: str = "@u", key_type: str = "user", owner: str | None = None):
        self.keyring = keyring
        self.key_type = key_type
        self.user = owner

    def _command(self, *args: str) -> list[str]:
        """``keyctl args`` (behind ``runuser -u OWNER --`` with an owner), logged; the
        arguments never hold a secret."""
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        for tool in ("keyctl", *prefix[:1]):
            if shutil.which(tool) is None:
                raise ToolNotFoundError(
                    f"{tool} is not installed (it is needed to reach the kernel keyring): "
                    f"install {_PACKAGES[tool]}"
                )
        cmd = [*prefix, "keyctl", *args]
        logger.debug("Command: %s", " ".join(cmd))
        return cmd

    def put_password(
        self, key_name: str, password: bytes | bytearray | str
    ) -> tuple[bytes, None]:
        """Store ``password`` as key ``key_name`` (``keyctl padd``, the value on its standard
        input; a ``str`` is sent as UTF-8).

        Returns ``(output, None)`` as upstream: ``keyctl``'s standard output and error
        together, the new key's ID and a newline on success. As upstream, a failing
        ``keyctl`` raises nothing; its message is in the output (and logged).
        """
        data = password.encode("utf-8") if isinstance(password, str) else bytes(password)
        cmd = self._command("padd", self.key_type, key_name, self.keyring)
        process = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        output, _ = process.communicate(input=data)
        if process.returncode != 0:
            logger.warning(
                "keyctl padd %s failed: %s", key_name, output.decode("utf-8", "replace").strip()
            )
        return output, None

    def get_key_id(self, key_name: str) -> str | None:
        """The ID (a decimal string, as ``keyctl search`` prints it) of key ``key_name``
        in the keyring, or None when there is none."""
        cmd = self._command("search", self.keyring, self.key_type, key_name)
        result = subprocess.run(cmd, stdout=subprocess.PIPE, check=False)
        if result.returncode == 0:
            return result.stdout.decode().strip()
        return None

    def get_password(self, key_name: str, output_format: str = "raw") -> str:
        """The value of key ``key_name``: ``raw`` (the default) exactly as stored, decoded as
        UTF-8 (``keyctl pipe``); ``hex`` as ``keyctl read`` prints it (a ``N bytes of data
        in key:`` line, then the value in hex).

        ``AttributeError`` for another format, ``ValueError`` when the keyring holds no such
        key, ``subprocess.CalledProcessError`` when ``keyctl`` cannot read it.
        """
        mode = {"raw": "pipe", "hex": "read"}.get(output_format.lower())
        if mode is None:
            raise AttributeError("output_format must be one of ['raw', 'hex'].")
        key_id = self.get_key_id(key_name)
        if not key_id:
            raise ValueError(f"No id for key {key_name} in keyring")
        return subprocess.check_output(self._command(mode, key_id)).decode("utf-8")

    def clear_keyring(self) -> int:
        """Unlink every key of the keyring (``keyctl clear``); 0, or
        ``subprocess.CalledProcessError`` when ``keyctl`` fails."""
        return subprocess.check_call(self._command("clear", self.keyring))
