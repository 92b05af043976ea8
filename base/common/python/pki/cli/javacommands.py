"""The command tree of the Java ``pki`` CLI: names, descriptions, modules and commands.

With it this package lists a module's commands as the Java CLI does (``pki ca``,
``pki ca-cert``) even when the Java CLI is not installed, tells a Java-only command
(``ca-audit-file-find``: install pki-tools) from a mistyped one (``ca-cert-fnd``: did you mean
``ca-cert-find``?), and knows which commands of a module run in Python.

The table was generated from dogtagpki/pki master 40cf4713 (11.10.1) with
``scripts/java-cli-commands.py``: one line per module or command, indented two spaces per
level, ``full-name<TAB>description`` and ``<TAB>deprecated`` where the Java class is
deprecated. Newer Java CLIs may have more commands; an unknown command still goes to the
Java CLI when it is installed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

__all__ = ["Node", "java_tree"]


@dataclass
class Node:
    """A module (it has children) or a command of the ``pki`` command tree."""

    name: str
    description: str
    deprecated: bool = False
    children: list[Node] = field(default_factory=list)
    parent: Node | None = field(default=None, repr=False, compare=False)

    @property
    def is_module(self) -> bool:
        return bool(self.children)

    def walk(self) -> list[Node]:
        """This node's descendants, depth first, in the Java CLI's order."""
        found: list[Node] = []
        for child in self.children:
            found.append(child)
            found.extend(child.walk())
        return found


@functools.cache
def java_tree() -> Node:
    """The root of the Java CLI's tree (``pki``); built once from the table below."""
    root = Node("pki", "PKI command-line interface")
    stack: list[tuple[int, Node]] = [(-1, root)]
    for line in _TABLE.strip("\n").splitlines():
        depth = (len(line) - len(line.lstrip(" "))) // 2
        name, description, *flags = line.strip().split("\t")
        while stack[-1][0] >= depth:
            stack.pop()
        parent = stack[-1][1]
        node = Node(name, description, deprecated="deprecated" in flags, parent=parent)
        parent.children.append(node)
        stack.append((depth, node))
    return root


_TABLE = """
help	Show help messages
password	Password utilities
  password-generate	Generate secure random password
client	Client management commands
  client-init	Initialize NSS database
  client-cert-find	Find certificates in NSS database
  client-cert-import	Import certificate into NSS database
  client-cert-mod	Modify certificate in NSS database
  client-cert-del	Remove certificate from NSS database	deprecated
  client-cert-request	Request a certificate
  client-cert-show	Show certificate in NSS database
  client-cert-validate	Validate certificate
nss	NSS management commands
  nss-create	Create NSS database
  nss-remove	Remove NSS database
  nss-cert	NSS certificate management commands
    nss-cert-find	Find certificates
    nss-cert-export	Export certificate
    nss-cert-import	Import certificate
    nss-cert-issue	Issue certificate
    nss-cert-mod	Modify certificate
    nss-cert-request	Generate certificate signing request
    nss-cert-show	Show certificate
    nss-cert-del	Remove certificate
    nss-cert-verify	Verify certificate
  nss-key	NSS key management commands
    nss-key-create	Create key in NSS database
    nss-key-export	Export key from NSS database
    nss-key-find	Find keys in NSS database
    nss-key-show	Show key in NSS database
    nss-key-import	Import key into NSS database
    nss-key-del	Remove key
info	Display server info
securitydomain	Security domain commands
  securitydomain-join	Join security domain	deprecated
  securitydomain-leave	Leave security domain	deprecated
  securitydomain-show	Show domain info
  securitydomain-host	Security domain host management commands
    securitydomain-host-find	Find security domain hosts
    securitydomain-host-show	Show security domain host
    securitydomain-host-add	Add security domain host
    securitydomain-host-del	Remove security domain host
acme	ACME management commands
  acme-info	Display ACME metadata
  acme-enable	Enable ACME service
  acme-disable	Disable ACME service
ca	CA management commands
  ca-authority	CA management commands
    ca-authority-find	Find CAs
    ca-authority-show	Show CAs
    ca-authority-create	Create CAs
    ca-authority-disable	Disable CAs
    ca-authority-enable	Enable CAs
    ca-authority-del	Delete Authority
    ca-authority-key-export	Export wrapped CA signing key
  ca-audit	Audit management commands
    ca-audit-mod	Modify audit configuration
    ca-audit-show	Show audit configuration
    ca-audit-file-find	Find audit files
    ca-audit-file-retrieve	Retrieve audit file
  ca-cert	Certificate management commands
    ca-cert-find	Find certificates
    ca-cert-issue	Issue certificate
    ca-cert-show	Show certificate
    ca-cert-export	Export certificate
    ca-cert-revoke	Revoke certificate
    ca-cert-hold	Place certificate on-hold
    ca-cert-release-hold	Place certificate off-hold
    ca-cert-status	Check certificate status
    ca-cert-request	Certificate request management commands
      ca-cert-request-find	Find certificate requests
      ca-cert-request-show	Show certificate request
      ca-cert-request-submit	Submit certificate request
      ca-cert-request-review	Review certificate request
      ca-cert-request-approve	Approve certificate request
      ca-cert-request-reject	Reject certificate request
      ca-cert-request-cancel	Cancel certificate request
      ca-cert-request-update	Update certificate request
      ca-cert-request-validate	Validate certificate request
      ca-cert-request-assign	Assign certificate request
      ca-cert-request-unassign	Unassign certificate request
      ca-cert-request-profile-find	List Enrollment templates
      ca-cert-request-profile-show	Get Enrollment template
    ca-cert-signing-show	Show CA signing certificate
    ca-cert-signing-export	Export CA signing certificate
    ca-cert-subsystem-show	Show CA subsystem certificate
    ca-cert-subsystem-export	Export CA subsystem certificate
    ca-cert-transport-show	Show CA transport certificate
    ca-cert-transport-export	Export CA transport certificate
  ca-crl	CRL management commands
    ca-crl-update	Update CRL
  ca-config	Configuration management commands
    ca-config-export	Export configuration properties
  ca-feature	Feature management commands
    ca-feature-find	Find features
    ca-feature-show	Show features
  ca-group	Group management commands
    ca-group-find	Find groups
    ca-group-show	Show group
    ca-group-add	Add group
    ca-group-mod	Modify group
    ca-group-del	Remove group
    ca-group-member	Group member management commands
      ca-group-member-find	Find group members
      ca-group-member-show	Show group member
      ca-group-member-add	Add group member
      ca-group-member-del	Remove group member
  ca-kraconnector	KRA Connector management commands
    ca-kraconnector-add	Add KRA Connector
    ca-kraconnector-del	Remove KRA connector from CA
    ca-kraconnector-show	Show KRA Connector
  ca-profile	Profile management commands
    ca-profile-find	Find profiles
    ca-profile-show	Show profiles
    ca-profile-add	Add profiles
    ca-profile-mod	Modify profiles
    ca-profile-edit	Edit profiles (config-store format)
    ca-profile-del	Remove profiles
    ca-profile-enable	Enable profiles
    ca-profile-disable	Disable profiles
  ca-publisher	Publisher management commands
    ca-publisher-ocsp	OCSP publisher management commands
      ca-publisher-ocsp-add	Add OCSP publisher
  ca-job	Job management commands
    ca-job-find	Find jobs
    ca-job-show	Show job details
    ca-job-start	Start job
  ca-range	Range management commands
    ca-range-request	Request range
  ca-sd	Security domain commands
    ca-sd-join	Join security domain
    ca-sd-leave	Leave security domain
  ca-selftest	Selftest management commands
    ca-selftest-find	Find selftests
    ca-selftest-run	Run selftests
    ca-selftest-show	Show selftest
  ca-user	User management commands
    ca-user-find	Find users
    ca-user-show	Show user
    ca-user-add	Add user
    ca-user-mod	Modify user
    ca-user-del	Remove user
    ca-user-cert	User certificate management commands
      ca-user-cert-find	Find user certificates
      ca-user-cert-show	Show user certificate
      ca-user-cert-add	Add user certificate
      ca-user-cert-del	Remove user certificate
    ca-user-membership	User membership management commands
      ca-user-membership-find	Find user memberships
      ca-user-membership-add	Add user membership
      ca-user-membership-del	Remove user membership
kra	KRA management commands
  kra-audit	Audit management commands
    kra-audit-mod	Modify audit configuration
    kra-audit-show	Show audit configuration
    kra-audit-file-find	Find audit files
    kra-audit-file-retrieve	Retrieve audit file
  kra-cert	KRA certificate management commands
    kra-cert-transport-export	Export KRA transport certificate
    kra-cert-transport-show	Show KRA transport certificate
  kra-config	Configuration management commands
    kra-config-export	Export configuration properties
  kra-group	Group management commands
    kra-group-find	Find groups
    kra-group-show	Show group
    kra-group-add	Add group
    kra-group-mod	Modify group
    kra-group-del	Remove group
    kra-group-member	Group member management commands
      kra-group-member-find	Find group members
      kra-group-member-show	Show group member
      kra-group-member-add	Add group member
      kra-group-member-del	Remove group member
  kra-job	Job management commands
    kra-job-find	Find jobs
    kra-job-show	Show job details
    kra-job-start	Start job
  kra-key	Key management commands
    kra-key-template-find	List request template IDs
    kra-key-template-show	Get request template
    kra-key-request-find	Find key requests
    kra-key-request-show	Get key request
    kra-key-request-review	Review key request
    kra-key-find	Find keys
    kra-key-show	Get key
    kra-key-mod	Modify the status of a key
    kra-key-generate	Generate key
    kra-key-archive	Archive a secret in the DRM.
    kra-key-retrieve	Retrieve key
    kra-key-recover	Create a key recovery request
  kra-range	Range management commands
    kra-range-request	Request range
  kra-selftest	Selftest management commands
    kra-selftest-find	Find selftests
    kra-selftest-run	Run selftests
    kra-selftest-show	Show selftest
  kra-user	User management commands
    kra-user-find	Find users
    kra-user-show	Show user
    kra-user-add	Add user
    kra-user-mod	Modify user
    kra-user-del	Remove user
    kra-user-cert	User certificate management commands
      kra-user-cert-find	Find user certificates
      kra-user-cert-show	Show user certificate
      kra-user-cert-add	Add user certificate
      kra-user-cert-del	Remove user certificate
    kra-user-membership	User membership management commands
      kra-user-membership-find	Find user memberships
      kra-user-membership-add	Add user membership
      kra-user-membership-del	Remove user membership
ocsp	OCSP management commands
  ocsp-cert	Certificate management commands
    ocsp-cert-verify	Verify certificate
  ocsp-audit	Audit management commands
    ocsp-audit-mod	Modify audit configuration
    ocsp-audit-show	Show audit configuration
    ocsp-audit-file-find	Find audit files
    ocsp-audit-file-retrieve	Retrieve audit file
  ocsp-config	Configuration management commands
    ocsp-config-export	Export configuration properties
  ocsp-group	Group management commands
    ocsp-group-find	Find groups
    ocsp-group-show	Show group
    ocsp-group-add	Add group
    ocsp-group-mod	Modify group
    ocsp-group-del	Remove group
    ocsp-group-member	Group member management commands
      ocsp-group-member-find	Find group members
      ocsp-group-member-show	Show group member
      ocsp-group-member-add	Add group member
      ocsp-group-member-del	Remove group member
  ocsp-job	Job management commands
    ocsp-job-find	Find jobs
    ocsp-job-show	Show job details
    ocsp-job-start	Start job
  ocsp-selftest	Selftest management commands
    ocsp-selftest-find	Find selftests
    ocsp-selftest-run	Run selftests
    ocsp-selftest-show	Show selftest
  ocsp-user	User management commands
    ocsp-user-find	Find users
    ocsp-user-show	Show user
    ocsp-user-add	Add user
    ocsp-user-mod	Modify user
    ocsp-user-del	Remove user
    ocsp-user-cert	User certificate management commands
      ocsp-user-cert-find	Find user certificates
      ocsp-user-cert-show	Show user certificate
      ocsp-user-cert-add	Add user certificate
      ocsp-user-cert-del	Remove user certificate
    ocsp-user-membership	User membership management commands
      ocsp-user-membership-find	Find user memberships
      ocsp-user-membership-add	Add user membership
      ocsp-user-membership-del	Remove user membership
tks	TKS management commands
  tks-audit	Audit management commands
    tks-audit-mod	Modify audit configuration
    tks-audit-show	Show audit configuration
    tks-audit-file-find	Find audit files
    tks-audit-file-retrieve	Retrieve audit file
  tks-cert	TKS certificate management commands
    tks-cert-transport-import	Import TKS transport certificate
  tks-config	Configuration management commands
    tks-config-export	Export configuration properties
  tks-group	Group management commands
    tks-group-find	Find groups
    tks-group-show	Show group
    tks-group-add	Add group
    tks-group-mod	Modify group
    tks-group-del	Remove group
    tks-group-member	Group member management commands
      tks-group-member-find	Find group members
      tks-group-member-show	Show group member
      tks-group-member-add	Add group member
      tks-group-member-del	Remove group member
  tks-job	Job management commands
    tks-job-find	Find jobs
    tks-job-show	Show job details
    tks-job-start	Start job
  tks-selftest	Selftest management commands
    tks-selftest-find	Find selftests
    tks-selftest-run	Run selftests
    tks-selftest-show	Show selftest
  tks-tpsconnector	TPS connector management commands
    tks-tpsconnector-add	Add TPS connector to TKS
    tks-tpsconnector-find	Find TPS connectors on TKS
    tks-tpsconnector-mod	Modify TPS connector on TKS
    tks-tpsconnector-del	Remove TPS connector from TKS
    tks-tpsconnector-show	Show TPS connector details on TKS
  tks-key	Key management commands
    tks-key-create	Create key in TKS
    tks-key-export	Export key from TKS
    tks-key-del	Remove key from TKS
    tks-key-replace	Replace key in TKS
    tks-key-show	Show key in TKS
  tks-user	User management commands
    tks-user-find	Find users
    tks-user-show	Show user
    tks-user-add	Add user
    tks-user-mod	Modify user
    tks-user-del	Remove user
    tks-user-cert	User certificate management commands
      tks-user-cert-find	Find user certificates
      tks-user-cert-show	Show user certificate
      tks-user-cert-add	Add user certificate
      tks-user-cert-del	Remove user certificate
    tks-user-membership	User membership management commands
      tks-user-membership-find	Find user memberships
      tks-user-membership-add	Add user membership
      tks-user-membership-del	Remove user membership
tps	TPS management commands
  tps-activity	Activity management commands
    tps-activity-find	Find activities
    tps-activity-show	Show activity
  tps-audit	Audit management commands
    tps-audit-mod	Modify audit configuration
    tps-audit-show	Show audit configuration
    tps-audit-file-find	Find audit files
    tps-audit-file-retrieve	Retrieve audit file
  tps-authenticator	Authenticator management commands
    tps-authenticator-add	Add authenticator
    tps-authenticator-find	Find authenticators
    tps-authenticator-mod	Modify authenticator
    tps-authenticator-del	Remove authenticator
    tps-authenticator-show	Show authenticator
  tps-cert	Certificate management commands
    tps-cert-find	Find certificates
    tps-cert-show	Show certificate
  tps-config	Configuration management commands
    tps-config-export	Export configuration properties
    tps-config-mod	Modify general properties
    tps-config-show	Show general properties
  tps-connector	Connector management commands
    tps-connector-add	Add connector
    tps-connector-find	Find connectors
    tps-connector-mod	Modify connector
    tps-connector-del	Remove connector
    tps-connector-show	Show connector
  tps-group	Group management commands
    tps-group-find	Find groups
    tps-group-show	Show group
    tps-group-add	Add group
    tps-group-mod	Modify group
    tps-group-del	Remove group
    tps-group-member	Group member management commands
      tps-group-member-find	Find group members
      tps-group-member-show	Show group member
      tps-group-member-add	Add group member
      tps-group-member-del	Remove group member
  tps-job	Job management commands
    tps-job-find	Find jobs
    tps-job-show	Show job details
    tps-job-start	Start job
  tps-profile	Profile management commands
    tps-profile-add	Add profile
    tps-profile-find	Find profiles
    tps-profile-mod	Modify profile
    tps-profile-del	Remove profile
    tps-profile-show	Show profile
    tps-profile-mapping	Profile mapping management commands
      tps-profile-mapping-add	Add profile mapping
      tps-profile-mapping-find	Find profile mappings
      tps-profile-mapping-mod	Modify profile mapping
      tps-profile-mapping-del	Remove profile mapping
      tps-profile-mapping-show	Show profileMapping
  tps-selftest	Selftest management commands
    tps-selftest-find	Find selftests
    tps-selftest-run	Run selftests
    tps-selftest-show	Show selftest
  tps-token	Token management commands
    tps-token-add	Add token
    tps-token-find	Find tokens
    tps-token-mod	Modify token
    tps-token-del	Remove token
    tps-token-show	Show token
  tps-user	User management commands
    tps-user-find	Find users
    tps-user-show	Show user
    tps-user-add	Add user
    tps-user-mod	Modify user
    tps-user-del	Remove user
    tps-user-cert	User certificate management commands
      tps-user-cert-find	Find user certificates
      tps-user-cert-show	Show user certificate
      tps-user-cert-add	Add user certificate
      tps-user-cert-del	Remove user certificate
    tps-user-membership	User membership management commands
      tps-user-membership-find	Find user memberships
      tps-user-membership-add	Add user membership
      tps-user-membership-del	Remove user membership
  tps-client	TPS client
pkcs7	PKCS #7 utilities
  pkcs7-cert	PKCS #7 certificate management commands
    pkcs7-cert-find	Find certificates in PKCS #7 file
    pkcs7-cert-import	Import a certificate into a PKCS #7 file
    pkcs7-cert-export	Export certificates from PKCS #7 file
  pkcs7-import	Import PKCS #7 file into NSS database
  pkcs7-export	Export PKCS #7 file from NSS database
pkcs11	PKCS #11 utilities
  pkcs11-cert	PKCS #11 certificate management commands
    pkcs11-cert-export	Export PKCS #11 certificate
    pkcs11-cert-find	Find PKCS #11 certificates
    pkcs11-cert-show	Show PKCS #11 certificate
    pkcs11-cert-del	Remove PKCS #11 certificate
  pkcs11-key	PKCS #11 key management commands
    pkcs11-key-find	Find PKCS #11 keys
    pkcs11-key-show	Show PKCS #11 key
    pkcs11-key-del	Remove PKCS #11 key
pkcs12	PKCS #12 utilities
  pkcs12-cert	PKCS #12 certificate management commands
    pkcs12-cert-add	Add certificate into PKCS #12 file	deprecated
    pkcs12-cert-export	Export certificate from PKCS #12 file
    pkcs12-cert-import	Import certificate into PKCS #12 file
    pkcs12-cert-find	Find certificates in PKCS #12 file
    pkcs12-cert-mod	Modify certificate in PKCS #12 file
    pkcs12-cert-del	Remove certificate from PKCS #12 file
  pkcs12-export	Export NSS database into PKCS #12 file
  pkcs12-import	Import PKCS #12 file into NSS database
  pkcs12-key	PKCS #12 key management commands
    pkcs12-key-find	Find keys in PKCS #12 file
    pkcs12-key-del	Remove key from PKCS #12 file
"""
