"""Who may call what: Dogtag's web.xml constraints, its authenticator and its ACLs.

The order is Tomcat's and Dogtag's:

1. **Session.** A ``JSESSIONID`` whose session holds a principal makes that principal the
   caller on every URL of the web app (Tomcat's cached principal), until logout.
2. **Constrained URLs** (``web.xml`` auth-constraints: ``account/*``, ``admin/*``,
   ``agent/*``, ``audit/*``, ``selftests/*``, ``securityDomain/installToken``) need an
   authenticated caller. ``SSLAuthenticatorWithFallback``: a TLS client certificate is mapped
   to a user by its exact ``description`` (on the CA a revoked certificate is refused,
   ``auths.revocationChecking.enabled``); without a certificate HTTP Basic is checked against
   the user's password. Failure is 401 with ``WWW-Authenticate: Basic`` and an HTML body.
   Success stores the principal in a session (``alwaysUseSession``).
3. **Other URLs** (``profiles``, ``authorities``, ``securityDomain/*``, ``config/features``,
   certificates, requests) authenticate nobody: only a session's principal counts there.
4. **ACLs.** An operation's ACL name (``acl.properties``) names a resource and operation whose
   default grant (``acl.ldif``) is a set of groups or anybody. No principal → 403 "No user
   principal provided."; a principal outside the groups → 403 "Authorization Error"
   (``ForbiddenException``, JSON). v1 takes the ACL name from the resource method
   (``@ACLMapping``); v2 from the servlet's ACL filter, matched on ``METHOD:path`` exactly as
   ``ACLFilter`` does it (the candidate keys sorted in reverse, the first wins), which
   makes ``POST /ca/v2/profiles/raw`` need ``profiles.approve`` where v1 needs
   ``profiles.create``.

The ACME responder (``/acme``, no REST API: its servlets sit right under the web app) has
its own ``web.xml``: ``POST login`` needs an authenticated caller, ``enable/*`` and
``disable/*`` need role Administrators or Enterprise ACME Administrators (Tomcat's 403 HTML
page for an authenticated caller without it), everything else is open. Its realm is the CA's
users and groups (FreeIPA's ``DSRealm`` over ``o=ipaca``).

``freeipa_acls`` adds the grants FreeIPA's installer adds (``cainstance.py``, the
``50-dogtag10-migration`` update): Certificate Manager Agents may read and modify profiles
and create, modify and delete authorities; Security Domain Administrators may modify the
security domain.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable, Union

from cryptography import x509

from pki.testing.dogtag.errors import forbidden
from pki.testing.dogtag.usergroups import Principal, UserDB

ANYBODY = "anybody"
Grant = Union[str, frozenset]  # ANYBODY or a set of group names

REALMS = {"ca": "Certificate Authority", "kra": "Key Recovery Authority", "acme": "ACME"}
_CONSTRAINED_TREES = ("account", "admin", "agent", "audit", "selftests")
_CONSTRAINED_PATHS = ("securityDomain/installToken",)

# base/acme/webapps/acme/WEB-INF/web.xml: URL tree → the roles its auth-constraint names
ACME_ADMIN_ROLES = ("Administrators", "Enterprise ACME Administrators")
_ACME_ROLE_CONSTRAINTS = {"enable": ACME_ADMIN_ROLES, "disable": ACME_ADMIN_ROLES}

CERT_AUTH_MANAGER = "certUserDBAuthMgr"
PASSWORD_AUTH_MANAGER = "passwdUserDBAuthMgr"


def needs_authentication(app: str, api: str, method: str, path: str) -> bool:
    """Does ``web.xml`` put an auth-constraint on ``METHOD /<app>/<api>/<path>``? (``api`` is
    empty for a servlet outside the REST APIs, as the whole ACME responder is.)"""
    if app == "acme":
        tree = path.split("/", 1)[0]
        return (tree == "login" and method == "POST") or tree in _ACME_ROLE_CONSTRAINTS
    if app not in REALMS or not api:
        return False
    if path in _CONSTRAINED_PATHS:
        return True
    return any(path == tree or path.startswith(tree + "/") for tree in _CONSTRAINED_TREES)


def required_roles(app: str, path: str) -> tuple[str, ...]:
    """The roles ``web.xml`` requires on ``/<app>/<path>`` (empty: any caller)."""
    if app != "acme":
        return ()
    return _ACME_ROLE_CONSTRAINTS.get(path.split("/", 1)[0], ())


# -- acl.properties: ACL name → (resource, operation) ----------------------------------------

_COMMON_ACL_NAMES = {
    "audit.read": ("certServer.log.configuration", "read"),
    "audit.modify": ("certServer.log.configuration", "modify"),
    "audit-log.read": ("certServer.log.content.signedAudit", "read"),
    "securityDomain.read": ("certServer.securitydomain.domainxml", "read"),
    "securityDomain.modify": ("certServer.securitydomain.domainxml", "modify"),
}
ACL_NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "ca": {
        **_COMMON_ACL_NAMES,
        "account.login": ("certServer.ca.account", "login"),
        "account.logout": ("certServer.ca.account", "logout"),
        "certs": ("certServer.ca.certs", "execute"),
        "certrequests": ("certServer.ca.certrequests", "execute"),
        "groups": ("certServer.ca.groups", "execute"),
        "users": ("certServer.ca.users", "execute"),
        "kraconnectors": ("certServer.ca.connectorInfo", "modify"),
        "profiles.approve": ("certServer.ca.profile", "approve"),
        "profiles.create": ("certServer.profile.configuration", "modify"),
        "profiles.delete": ("certServer.profile.configuration", "modify"),
        "profiles.list": ("certServer.ee.profiles", "list"),
        "profiles.modify": ("certServer.profile.configuration", "modify"),
        "profiles.read": ("certServer.profile.configuration", "read"),
        "selftests.read": ("certServer.ca.selftests", "read"),
        "selftests.execute": ("certServer.ca.selftests", "execute"),
        "authorities.create": ("certServer.ca.authorities", "create"),
        "authorities.list": ("certServer.ca.authorities", "list"),
        "authorities.modify": ("certServer.ca.authorities", "modify"),
        "authorities.read": ("certServer.ca.authorities", "read"),
        "authorities.delete": ("certServer.ca.authorities", "delete"),
    },
    "kra": {
        **_COMMON_ACL_NAMES,
        "account.login": ("certServer.kra.account", "login"),
        "account.logout": ("certServer.kra.account", "logout"),
        "groups": ("certServer.kra.groups", "execute"),
        "keys": ("certServer.kra.keys", "execute"),
        "keyrequests": ("certServer.kra.keyrequests", "execute"),
        "selftests.read": ("certServer.kra.selftests", "read"),
        "selftests.execute": ("certServer.kra.selftests", "execute"),
        "users": ("certServer.kra.users", "execute"),
    },
}


def _groups(*names: str) -> frozenset:
    return frozenset(names)


_ENTERPRISE_ADMINS = tuple(
    f"Enterprise {s} Administrators" for s in ("CA", "KRA", "RA", "OCSP", "TKS", "TPS", "EST")
)
_LOG_READERS = _groups(
    "Administrators", "Auditors", "Certificate Manager Agents", "Registration Manager Agents"
)

# -- acl.ldif: (resource, operation) → who is allowed ----------------------------------------
RESOURCE_ACLS: dict[str, dict[tuple[str, str], Grant]] = {
    "ca": {
        ("certServer.ca.account", "login"): ANYBODY,
        ("certServer.ca.account", "logout"): ANYBODY,
        ("certServer.ca.certs", "execute"): _groups("Certificate Manager Agents"),
        ("certServer.ca.certrequests", "execute"): _groups("Certificate Manager Agents"),
        ("certServer.ca.users", "execute"): _groups("Administrators"),
        ("certServer.ca.groups", "execute"): _groups("Administrators"),
        ("certServer.ca.selftests", "read"): _groups("Administrators"),
        ("certServer.ca.selftests", "execute"): _groups("Administrators"),
        ("certServer.ee.profiles", "list"): ANYBODY,
        ("certServer.profile.configuration", "read"): _groups(
            "Administrators",
            "Certificate Manager Agents",
            "Registration Manager Agents",
            "Auditors",
        ),
        ("certServer.profile.configuration", "modify"): _groups("Administrators"),
        ("certServer.ca.profile", "read"): _groups("Certificate Manager Agents"),
        ("certServer.ca.profile", "approve"): _groups("Certificate Manager Agents"),
        ("certServer.ca.authorities", "list"): ANYBODY,
        ("certServer.ca.authorities", "read"): ANYBODY,
        ("certServer.ca.authorities", "create"): _groups("Administrators"),
        ("certServer.ca.authorities", "modify"): _groups("Administrators"),
        ("certServer.ca.authorities", "delete"): _groups("Administrators"),
        ("certServer.securitydomain.domainxml", "read"): ANYBODY,
        ("certServer.securitydomain.domainxml", "modify"): _groups(
            "Subsystem Group", *_ENTERPRISE_ADMINS
        ),
        ("certServer.log.configuration", "read"): _LOG_READERS,
        ("certServer.log.configuration", "modify"): _groups("Administrators"),
        ("certServer.log.content.signedAudit", "read"): _groups("Auditors"),
    },
    "kra": {
        ("certServer.kra.account", "login"): ANYBODY,
        ("certServer.kra.account", "logout"): ANYBODY,
        ("certServer.kra.keys", "execute"): _groups("Data Recovery Manager Agents"),
        ("certServer.kra.keyrequests", "execute"): _groups("Data Recovery Manager Agents"),
        ("certServer.kra.users", "execute"): _groups("Administrators"),
        ("certServer.kra.groups", "execute"): _groups("Administrators"),
        ("certServer.kra.selftests", "read"): _groups("Administrators"),
        ("certServer.kra.selftests", "execute"): _groups("Administrators"),
        ("certServer.securitydomain.domainxml", "read"): ANYBODY,
        ("certServer.securitydomain.domainxml", "modify"): _groups(
            "Subsystem Group", "Enterprise KRA Administrators"
        ),
        ("certServer.log.configuration", "read"): _groups(
            "Administrators", "Auditors", "Data Recovery Manager Agents"
        ),
        ("certServer.log.configuration", "modify"): _groups("Administrators"),
        ("certServer.log.content.signedAudit", "read"): _groups("Auditors"),
    },
}

# What FreeIPA's installer adds to the CA's grants.
FREEIPA_GRANTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("certServer.profile.configuration", "read"): ("Certificate Manager Agents",),
    ("certServer.profile.configuration", "modify"): ("Certificate Manager Agents",),
    ("certServer.ca.authorities", "create"): ("Certificate Manager Agents",),
    ("certServer.ca.authorities", "modify"): ("Certificate Manager Agents",),
    ("certServer.ca.authorities", "delete"): ("Certificate Manager Agents",),
    ("certServer.securitydomain.domainxml", "modify"): ("Security Domain Administrators",),
}


# -- v2 ACL filters: servlet path → default ACL name and METHOD:path map ----------------------


@dataclass(frozen=True)
class V2Filter:
    """One v2 servlet's ``ACLFilter``: its URL tree, default ACL and ``METHOD:path`` map."""

    prefix: str
    default: str | None
    mapping: Mapping[str, str]

    def acl(self, method: str, path_info: str) -> str | None:
        search = f"{method}:{path_info}"
        keys = [k for k in self.mapping if re.fullmatch(k.replace("{}", "([^/]+)"), search)]
        return self.mapping[max(keys)] if keys else self.default


_ACCOUNT = V2Filter(
    "account", "account.login", {"GET:login": "account.login", "GET:logout": "account.logout"}
)
_SECURITY_DOMAIN = V2Filter(
    "securityDomain",
    None,
    {
        "GET:installToken": "securityDomain.read",
        "PUT:hosts": "securityDomain.modify",
        "DELETE:hosts/{}": "securityDomain.modify",
    },
)
_AUDIT = V2Filter(
    "audit",
    "audit.read",
    {
        "GET:": "audit.read",
        "PATCH:": "audit.modify",
        "POST:": "audit.modify",
        "GET:files": "audit-log.read",
        "GET:files/{}": "audit-log.read",
    },
)
_SELFTESTS = V2Filter(
    "selftests",
    "selftests.read",
    {
        "POST:": "selftests.execute",
        "POST:run": "selftests.execute",
        "POST:{}/run": "selftests.execute",
    },
)
V2_FILTERS: dict[str, tuple[V2Filter, ...]] = {
    "ca": (
        _ACCOUNT,
        _SECURITY_DOMAIN,
        _AUDIT,
        _SELFTESTS,
        V2Filter("admin/users", "users", {}),
        V2Filter("admin/groups", "groups", {}),
        V2Filter("agent/certs", "certs", {}),
        V2Filter("agent/certrequests", "certrequests", {}),
        V2Filter(
            "authorities",
            None,
            {
                "POST:": "authorities.create",
                "PUT:{}": "authorities.modify",
                "DELETE:{}": "authorities.delete",
                "POST:{}/enable": "authorities.modify",
                "POST:{}/disable": "authorities.modify",
                "POST:{}/renew": "authorities.modify",
            },
        ),
        V2Filter(
            "profiles",
            None,
            {
                "GET:": "profiles.list",
                "GET:{}": "profiles.read",
                "GET:{}/raw": "profiles.read",
                "POST:": "profiles.create",
                "POST:raw": "profiles.create",
                "POST:{}": "profiles.approve",
                "PUT:{}": "profiles.modify",
                "PUT:{}/raw": "profiles.modify",
                "DELETE:{}": "profiles.delete",
            },
        ),
    ),
    "kra": (
        _ACCOUNT,
        _SECURITY_DOMAIN,
        _AUDIT,
        _SELFTESTS,
        V2Filter("admin/users", "users", {}),
        V2Filter("admin/groups", "groups", {}),
        V2Filter("agent/keys", "keys", {}),
        V2Filter("agent/keyrequests", "keyrequests", {}),
    ),
}


def v2_acl(app: str, method: str, path: str) -> str | None:
    """The ACL name the v2 filter of the servlet serving ``path`` picks (None: no check)."""
    for f in V2_FILTERS.get(app, ()):
        if path == f.prefix or path.startswith(f.prefix + "/"):
            return f.acl(method, path[len(f.prefix) + 1 :])
    return None


class AccessControl:
    """Evaluates ACL names against a principal's roles (see the module docstring)."""

    def __init__(self, freeipa_acls: bool = False) -> None:
        self.grants: dict[str, dict[tuple[str, str], Grant]] = {
            app: dict(table) for app, table in RESOURCE_ACLS.items()
        }
        if freeipa_acls:
            for key, extra in FREEIPA_GRANTS.items():
                current = self.grants["ca"][key]
                if current != ANYBODY:
                    self.grants["ca"][key] = frozenset(current) | frozenset(extra)

    def grant(self, app: str, acl_name: str) -> Grant | None:
        """Who may use ``acl_name`` on ``app`` (None: the name maps to no resource)."""
        target = ACL_NAMES.get(app, {}).get(acl_name)
        if target is None:
            return None
        return self.grants.get(app, {}).get(target, frozenset())

    def check(self, app: str, acl_name: str | None, principal: Principal | None) -> None:
        """Raise Dogtag's 403 unless ``principal`` may use ``acl_name``."""
        if not acl_name:
            return
        if principal is None:
            raise forbidden("No user principal provided.")
        grant = self.grant(app, acl_name)
        if grant is None or grant == ANYBODY:
            return
        if not any(role in grant for role in principal.roles):
            raise forbidden("Authorization Error")


class Authenticator:
    """``SSLAuthenticatorWithFallback`` against the subsystems' user databases."""

    def __init__(
        self,
        userdbs: Mapping[str, UserDB],
        is_revoked: Callable[[x509.Certificate], bool],
        revocation_checking: Mapping[str, bool],
    ) -> None:
        self.userdbs = userdbs
        self.is_revoked = is_revoked
        self.revocation_checking = revocation_checking

    def from_certificate(self, app: str, cert: x509.Certificate) -> Principal | None:
        """The user ``cert`` maps to (``certUserDBAuthMgr``), or None."""
        db = self.userdbs.get(app)
        if db is None:
            return None
        if self.revocation_checking.get(app) and self.is_revoked(cert):
            return None
        with db.store.lock:
            user = db.user_by_cert(cert)
            return db.principal(user, CERT_AUTH_MANAGER) if user else None

    def from_basic(self, app: str, authorization: str | None) -> Principal | None:
        """The user of an ``Authorization: Basic`` header with the right password, or None."""
        db = self.userdbs.get(app)
        if db is None or not authorization:
            return None
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return None
        user_id, sep, password = decoded.partition(":")
        if not sep:
            return None
        with db.store.lock:
            user = db.check_password(user_id, password)
            return db.principal(user, PASSWORD_AUTH_MANAGER) if user else None

    def authenticate(
        self, app: str, cert: x509.Certificate | None, authorization: str | None
    ) -> Principal | None:
        """A presented certificate decides alone; without one, HTTP Basic is tried."""
        if cert is not None:
            return self.from_certificate(app, cert)
        return self.from_basic(app, authorization)
