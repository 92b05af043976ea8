"""The Java ``pki`` CLI: where it is installed, and handing a command to it.

Upstream's ``/usr/bin/pki`` (package pki-tools, dogtag-pki-tools on Fedora and RHEL) sources
pki.conf and runs ``python3 -m pki.cli.main``, which starts Java for every command it does not
implement. This module does the same for the commands this package does not implement,
finding Java the way upstream does, from pki.conf (read, never executed: ``pki.conf``) and
the environment:

* ``$JAVA_HOME/bin/java`` (pki.conf sets ``JAVA_HOME``; without it, ``java`` on ``PATH``);
* the class path ``$PKI_LIB/*`` (default ``/usr/share/pki/lib``), which must hold
  ``pki-tools.jar``, and the main class ``com.netscape.cmstools.cli.MainCLI``;
* JVM options ``$JAVA_FIPS_ENABLED``, ``--enable-native-access=ALL-UNNAMED``, the ``-D``
  properties and ``-Djava.util.logging.config.file=$PKI_LOGGING_CONFIG``;
* the environment: this process's, plus the pki.conf variables (the shell front end exports
  them) and ``NSS_DEFAULT_DB_TYPE``.

The global options are passed as upstream does (``pki.cli.options.java_global_args``): a
password appears on Java's command line only if it was on ours (``-c``, ``-w``).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pki.cli.options import mask_secret_arguments

__all__ = ["JavaCLI", "find_java_cli", "JAVA_PACKAGE", "MAIN_CLASS"]

logger = logging.getLogger(__name__)

MAIN_CLASS = "com.netscape.cmstools.cli.MainCLI"
DEFAULT_PKI_LIB = "/usr/share/pki/lib"
TOOLS_JAR = "pki-tools.jar"
#: What to install to get the Java CLI.
JAVA_PACKAGE = "the pki-tools package (dogtag-pki-tools on Fedora and RHEL)"


@dataclass(frozen=True)
class JavaCLI:
    """An installed Java ``pki`` CLI and how to start it."""

    java: str
    pki_lib: str
    jvm_options: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)

    def command(self, properties: Sequence[str], arguments: Sequence[str]) -> list[str]:
        """The ``java`` command line for ``pki ARGUMENTS`` (global options included)."""
        command = [self.java, "-cp", os.path.join(self.pki_lib, "*"), *self.jvm_options]
        command.append("--enable-native-access=ALL-UNNAMED")
        command.extend(f"-D{prop}" for prop in properties)
        logging_config = self.environment.get("PKI_LOGGING_CONFIG")
        if logging_config and not any(
            p.startswith("java.util.logging.config.file=") for p in properties
        ):
            command.append(f"-Djava.util.logging.config.file={logging_config}")
        command.append(MAIN_CLASS)
        command.extend(arguments)
        return command

    def run(
        self,
        properties: Sequence[str],
        arguments: Sequence[str],
        environment: Mapping[str, str] | None = None,
    ) -> int:
        """Run the Java CLI with this process's standard streams (and ``environment`` on top
        of the pki.conf variables); its exit status."""
        command = self.command(properties, arguments)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("Java CLI: %s", " ".join(mask_secret_arguments(command)))
        env = {**os.environ, **self.environment, **(environment or {})}
        return subprocess.call(command, env=env)


class JavaCLINotFound(Exception):
    """The Java CLI is not installed; the message says what is missing."""


def find_java_cli(variables: Mapping[str, str]) -> JavaCLI:
    """The installed Java CLI, as pki.conf ``variables`` and the environment locate it.

    Raises ``JavaCLINotFound`` saying what is missing (Java, or ``pki-tools.jar``).
    """

    def setting(name: str, default: str = "") -> str:
        return (variables.get(name) or os.environ.get(name) or default).strip()

    java_home = setting("JAVA_HOME")
    if java_home:
        java = os.path.join(java_home, "bin", "java")
        if not os.access(java, os.X_OK):
            raise JavaCLINotFound(f"no Java at {java} (JAVA_HOME={java_home})")
    else:
        found = shutil.which("java")
        if found is None:
            raise JavaCLINotFound("no Java: JAVA_HOME is not set and no java is on PATH")
        java = found
    pki_lib = setting("PKI_LIB", DEFAULT_PKI_LIB)
    jar = os.path.join(pki_lib, TOOLS_JAR)
    if not os.path.isfile(jar):
        raise JavaCLINotFound(f"no {jar}")
    environment = {name: value for name, value in variables.items() if value is not None}
    return JavaCLI(
        java=java,
        pki_lib=pki_lib,
        jvm_options=tuple(setting("JAVA_FIPS_ENABLED").split()),
        environment=environment,
    )
