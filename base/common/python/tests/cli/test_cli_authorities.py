"""``pki ca-authority-*``, ``ca-feature-*`` and ``securitydomain-*`` against the test server.

Reading is anonymous (the server's CA trusted from its NSS database); changes are made by
the agent (``caadmin``: Administrators, Enterprise CA Administrators), whose session the CLI
opens first, as the Java CLI logs in. Authorities and hosts made here have unique names.
"""

from __future__ import annotations

import json

import pytest
from cli_helpers import Run, failed, framed, ok, run_pki
from client_helpers import unique

pytestmark = pytest.mark.usefixtures("isolated_env")


def test_authority_lifecycle(pki: Run, anon: list[str], agent: list[str]) -> None:
    dn = f"CN={unique('Cli Sub CA')},O=Example"
    created = ok(pki(*agent, "ca-authority-create", dn, "--parent", "host-authority"))
    aid = created.field("ID").strip()
    assert created.field("Authority DN").strip() == dn
    assert "Description:" not in created.out  # none given, none sent (as the Java CLI)
    assert ok(pki(*anon, "ca-authority-find", "--dn", dn)).fields("ID") == [f"            {aid}"]

    disabled = ok(pki(*agent, "ca-authority-disable", aid))
    assert disabled.field("Enabled").strip() == "false"
    enabled = json.loads(ok(pki(*agent, "--output-format", "json", "ca-authority-enable",
                                aid)).out)
    assert enabled["id"] == aid and enabled["enabled"] is True
    assert failed(pki(*agent, "ca-authority-del", aid, "--force")) == (
        "ERROR: Must disable CA before deletion")
    ok(pki(*agent, "ca-authority-disable", aid))

    # deleting asks first, as AuthorityRemoveCLI; the answer comes from a pipe too
    declined = run_pki(*agent, "ca-authority-del", aid, input="n\n")
    # (the answer did not end the line on a terminal: the CLI ends it)
    assert declined.returncode == 1 and declined.stdout == "Are you sure (Y/N)? \n"
    assert "not confirmed" in declined.stderr and "--force" in declined.stderr
    assert ok(pki(*anon, "ca-authority-show", aid)).field("ID").strip() == aid
    accepted = run_pki(*agent, "ca-authority-del", aid, input="y\n")
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.splitlines() == [
        "Are you sure (Y/N)? ", *framed(f'Deleted authority "{aid}"')
    ]
    assert failed(pki(*anon, "ca-authority-show", aid)) == f'ERROR: CA "{aid}" not found'


def test_authority_json_and_failures(
    pki: Run, anon: list[str], agent: list[str], nonagent: list[str]
) -> None:
    json_anon = [*anon, "--output-format", "json"]
    found = json.loads(ok(pki(*json_anon, "ca-authority-find")).out)
    host = [a for a in found["entries"] if a["isHostAuthority"]]
    assert len(host) == 1 and found["total"] == len(found["entries"])
    assert json.loads(ok(pki(*json_anon, "ca-authority-show", host[0]["id"])).out) == host[0]
    dn = f"CN={unique('Cli Json CA')},O=Example"
    created = json.loads(ok(pki(*agent, "--output-format", "json", "ca-authority-create", dn,
                                "--parent", host[0]["id"], "--desc", "json")).out)
    assert (created["dn"], created["parentID"], created["description"]) == (
        dn, host[0]["id"], "json")
    assert json.loads(ok(pki(*agent, "--output-format", "json", "ca-authority-disable",
                             created["id"])).out)["enabled"] is False
    assert ok(pki(*agent, "--output-format", "json", "ca-authority-del", created["id"],
                  "--force")).out == ""

    # not an administrator: Dogtag's 403; anonymous: no principal, and the advice
    assert failed(pki(*nonagent, "ca-authority-create", "CN=Denied,O=Example", "--parent",
                      "host-authority")) == "ERROR: Authorization Error"
    line = failed(pki(*anon, "ca-authority-disable", host[0]["id"]))
    assert line.startswith("ERROR: No user principal provided.") and "-n NICKNAME" in line
    assert failed(pki(*agent, "ca-authority-disable", host[0]["id"])) == (
        "ERROR: Cannot disable the host CA")
    assert "mutually exclusive" in failed(
        pki(*anon, "ca-authority-show", host[0]["id"], "--host-authority"), status=2)


def test_features(pki: Run, anon: list[str]) -> None:
    """``FeatureCLI.printFeature``: the values in one column, as authorities."""
    data = json.loads(ok(pki(*anon, "--output-format", "json", "ca-feature-find")).out)
    authority = [f for f in data["entries"] if f["id"] == "authority"][0]
    record = [
        "  ID:             authority",
        f"  Description:    {authority['description']}",
        f"  Version:        {authority['version']}",
        "  Enabled:        true",
    ]
    listed = ok(pki(*anon, "ca-feature-find")).out.splitlines()
    assert listed[:3] == framed(f"{len(data['entries'])} entries matched")
    assert record == listed[3:7] and listed[-3:] == framed(
        f"Number of entries returned {len(data['entries'])}")
    assert ok(pki(*anon, "ca-feature-show", "authority")).out.splitlines() == record
    shown = json.loads(ok(pki(*anon, "--output-format", "json", "ca-feature-show",
                              "authority")).out)
    assert shown["id"] == "authority"
    assert "nosuch" in failed(pki(*anon, "ca-feature-show", "nosuch"))


def test_security_domain(
    pki: Run, anon: list[str], agent: list[str], nonagent: list[str]
) -> None:
    info = json.loads(ok(pki(*anon, "--output-format", "json", "securitydomain-show")).out)
    ca_hosts = list(info["subsystems"]["CA"]["hosts"].values())
    ca = ca_hosts[0]
    shown = ok(pki(*anon, "securitydomain-show")).out.splitlines()
    # printSecurityDomain: the domain, then each subsystem's hosts nested under it
    assert shown[:8] == [
        f"  Domain: {info['id']}",
        "",
        "  CA Subsystem:",
        "",
        f"    Host ID: {ca['id']}",
        f"    Hostname: {ca['Hostname']}",
        f"    Port: {ca.get('Port', 'null')}",
        f"    Secure Port: {ca['SecurePort']}",
    ]
    assert "  KRA Subsystem:" in shown

    host_id = f"KRA {unique('kra')}.example.com 8443"
    ok(pki(*agent, "securitydomain-host-add", host_id, "--port", "8080"))
    assert ok(pki(*anon, "securitydomain-host-show", host_id)).out.splitlines() == [
        f"  Host ID: {host_id}",
        f"  Hostname: {host_id.split()[1]}",
        "  Port: 8080",
        "  Secure Port: 8443",
        "  Domain Manager: FALSE",
        "  Clone: FALSE",
    ]
    assert host_id in ok(pki(*anon, "securitydomain-host-find")).fields("Host ID")
    hosts = json.loads(ok(pki(*anon, "--output-format", "json", "securitydomain-host-find")).out)
    assert [h["Port"] for h in hosts if h["id"] == host_id] == ["8080"]
    assert json.loads(ok(pki(*anon, "--output-format", "json", "securitydomain-host-show",
                             host_id)).out)["SecurePort"] == "8443"

    assert failed(pki(*nonagent, "securitydomain-host-del", host_id)) == (
        "ERROR: Authorization Error")
    assert ok(pki(*agent, "securitydomain-host-del", host_id)).out == ""
    assert failed(pki(*anon, "securitydomain-host-show", host_id)) == (
        f"ERROR: Security domain host not found: {host_id}")
    assert host_id not in ok(pki(*anon, "securitydomain-host-find")).fields("Host ID")
    assert "Invalid security domain host ID" in failed(
        pki(*agent, "securitydomain-host-del", "kra.example.com"), status=2)
