"""``pki securitydomain-show`` and ``securitydomain-host-find/-show/-add/-del``.

Options and output as the Java CLI's ``SecurityDomainCLI`` (``printSecurityDomain``),
``SecurityDomainHostCLI`` (``printSecurityDomainHost``) and its commands. The domain is the
CA's (``/ca/<api>/securityDomain``). Reading is anonymous; adding and removing a host need a
member of ``Enterprise CA Administrators`` (or the ``Subsystem Group``), whose session is
opened first. A host ID is ``<TYPE> <hostname> <secure port>`` (``"KRA kra.example.com
8443"``). Adding and removing print nothing, as in the Java CLI; ``securitydomain-join`` and
``-leave`` (deprecated there) stay the Java CLI's.
"""

from __future__ import annotations

import argparse
from typing import Any

from pki.cli.context import CLIContext, CLIError, add_command
from pki.cli.output import Record, java_string
from pki.system import DomainInfo, SecurityDomainClient, SecurityDomainHost


def _given(value: Any) -> Any:
    """A host attribute the server sent (the library's ``False`` default means: not sent)."""
    return None if value is False else value


def host_record(host: SecurityDomainHost, indent: str = "") -> Record:
    """A host as ``SecurityDomainHostCLI.printSecurityDomainHost`` prints it; ``indent``
    nests it under its subsystem, as ``printSecurityDomain`` does (without ``Clone``)."""
    record = [
        (f"{indent}Host ID", java_string(host.id)),
        (f"{indent}Hostname", java_string(host.Hostname)),
        (f"{indent}Port", java_string(host.Port)),
        (f"{indent}Secure Port", java_string(host.SecurePort)),
        (f"{indent}Domain Manager", _given(host.DomainManager)),
    ]
    if not indent:
        record.append(("Clone", _given(host.Clone)))
    return record


def domain_record(domain: DomainInfo) -> Record:
    """The domain as ``SecurityDomainCLI.printSecurityDomain`` prints it."""
    record: list[tuple[str, Any] | str] = [("Domain", java_string(domain.id)), ""]
    for subsystem in domain.subsystems.values():
        if not subsystem.hosts:
            continue
        record += [f"  {subsystem.id} Subsystem:", ""]
        for host in subsystem.hosts.values():
            record += [*host_record(host, indent="  "), ""]
    return record


def domain_json(domain: DomainInfo) -> dict[str, Any]:
    """The domain as the server's (10.8 and later) JSON."""
    return {
        "id": domain.id,
        "subsystems": {
            name: {"id": sub.id, "hosts": {hid: h.to_json() for hid, h in sub.hosts.items()}}
            for name, sub in domain.subsystems.items()
        },
    }


def _host_parts(host_id: str) -> tuple[str, str, str]:
    parts = host_id.split()
    if len(parts) != 3 or not parts[2].isdigit():
        raise CLIError(
            f"Invalid security domain host ID {host_id!r}: expected '<TYPE> <hostname> <secure "
            "port>', e.g. 'CA ca.example.com 8443' (see securitydomain-host-find)",
            exit_code=2,
        )
    return parts[0], parts[1], parts[2]


# -- commands ----------------------------------------------------------------------------------


def show_domain(ctx: CLIContext, args: argparse.Namespace) -> int:
    domain = SecurityDomainClient(ctx.client()).get_domain_info()
    if ctx.printer.is_json:
        ctx.printer.json(domain_json(domain))
    else:
        ctx.printer.record(domain_record(domain))
    return 0


def find_hosts(ctx: CLIContext, args: argparse.Namespace) -> int:
    hosts = SecurityDomainClient(ctx.client()).get_hosts()
    if ctx.printer.is_json:
        ctx.printer.json([h.to_json() for h in hosts])
    else:
        ctx.printer.records([host_record(h) for h in hosts])
    return 0


def show_host(ctx: CLIContext, args: argparse.Namespace) -> int:
    host = SecurityDomainClient(ctx.client()).get_host(args.host_id)
    ctx.printer.result(None, host, host_record)
    return 0


def add_host(ctx: CLIContext, args: argparse.Namespace) -> int:
    _host_parts(args.host_id)
    host = {
        "id": args.host_id,
        "Port": args.host_port,
        "SecureEEClientAuthPort": args.securePort,
        "SecureAdminPort": args.securePort,
        "SecureAgentPort": args.securePort,
        "DomainManager": args.domainManager,
        "Clone": args.clone,
    }
    domain = SecurityDomainClient(ctx.login("ca"))
    domain.add_host({k: v for k, v in host.items() if v is not None})
    return 0


def remove_host(ctx: CLIContext, args: argparse.Namespace) -> int:
    kind, hostname, port = _host_parts(args.host_id)
    SecurityDomainClient(ctx.login("ca")).remove_host(hostname, kind, port)
    return 0


def register(subparsers: Any) -> None:
    add_command(subparsers, "securitydomain-show", "Show domain info", show_domain)
    add_command(subparsers, "securitydomain-host-find", "Find security domain hosts",
                find_hosts)
    show = add_command(subparsers, "securitydomain-host-show", "Show security domain host",
                       show_host)
    add = add_command(subparsers, "securitydomain-host-add", "Add security domain host",
                      add_host)
    remove = add_command(subparsers, "securitydomain-host-del", "Remove security domain host",
                         remove_host)
    for parser in (show, add, remove):
        parser.add_argument("host_id", metavar="HOST_ID",
                            help="'<TYPE> <hostname> <secure port>' (quoted)")
    add.add_argument("--port", dest="host_port", metavar="PORT", help="(non-secure) port")
    add.add_argument("--securePort", metavar="PORT", default="8443",
                     help="secure port (default: 8443)")
    add.add_argument("--domainManager", metavar="BOOLEAN", default="FALSE",
                     help="domain manager (default: FALSE)")
    add.add_argument("--clone", metavar="BOOLEAN", default="FALSE", help="clone (default: FALSE)")
