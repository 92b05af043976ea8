"""The user and group database of one subsystem (CA or KRA), as Dogtag's UGSubsystem keeps it.

Users and groups live in the store (tables ``<sub>_users`` and ``<sub>_groups``), keyed by
their ID as created; lookups ignore case, as LDAP's ``uid`` and ``cn`` matching does.

* A user's certificates are kept with the ``description`` Dogtag writes next to each
  ``userCertificate``: ``<version>;<serial decimal>;<issuer DN>;<subject DN>``, the version
  being the raw 0-based field (``2`` for a v3 certificate). A TLS client certificate maps to
  the user whose description matches exactly (``ExactMatchCertUserLocator``).
* A password is kept only as a salted PBKDF2 hash (HTTP Basic checks it), never in clear.
* Roles are the sorted names of the groups whose members include the user (``PKIRealm``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pki.testing.dogtag.errors import DogtagError, bad_request, conflict, not_found
from pki.testing.dogtag.formats import dn
from pki.testing.dogtag.store import Store

USER_NOT_FOUND = "base.UserNotFoundException"
GROUP_NOT_FOUND = "group.GroupNotFoundException"


# Default groups of a fresh instance (database/ds/create.ldif), with their descriptions.
def _enterprise(*subsystems: str) -> dict[str, str]:
    return {
        f"Enterprise {s} Administrators": "People who are the administrators for the "
        f"security domain for {s}"
        for s in subsystems
    }


_COMMON_GROUPS = {
    "Subsystem Group": "Subsystem Group",
    "Trusted Managers": "Managers trusted by this PKI instance",
    "Administrators": "People who manage the Certificate System",
    "Auditors": "People who can read the signed audits",
    "ClonedSubsystems": "People who can clone the master subsystem",
    "Security Domain Administrators": "People who are the Security Domain administrators",
}
CA_GROUPS = {
    "Certificate Manager Agents": "Agents for Certificate Manager",
    "Registration Manager Agents": "Agents for Registration Manager",
    **_COMMON_GROUPS,
    **_enterprise("CA", "KRA", "OCSP", "TKS", "EST", "RA", "TPS"),
}
KRA_GROUPS = {
    "Data Recovery Manager Agents": "Agents for Data Recovery Manager",
    **_COMMON_GROUPS,
    **_enterprise("KRA"),
}
DEFAULT_GROUPS = {"ca": CA_GROUPS, "kra": KRA_GROUPS}

# What pkispawn makes the subsystem's admin a member of.
ADMIN_GROUPS = {
    "ca": (
        "Administrators",
        "Certificate Manager Agents",
        "Security Domain Administrators",
        "Enterprise CA Administrators",
    ),
    "kra": ("Administrators", "Data Recovery Manager Agents", "Enterprise KRA Administrators"),
}
ADMIN_USER_IDS = {"ca": "caadmin", "kra": "kraadmin"}

_PBKDF2_ITERATIONS = 20000  # a test server: enough to keep the hash from being the password


def cert_description(cert: x509.Certificate) -> str:
    """The ``description`` Dogtag stores for a user certificate (and matches on login)."""
    return f"{cert.version.value};{cert.serial_number};{dn(cert.issuer)};{dn(cert.subject)}"


def _hash_password(password: str, salt: bytes | None = None) -> dict[str, Any]:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _PBKDF2_ITERATIONS)
    return {"salt": salt.hex(), "hash": digest.hex(), "iterations": _PBKDF2_ITERATIONS}


def _password_matches(stored: dict[str, Any], password: str) -> bool:
    salt = bytes.fromhex(stored["salt"])
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, int(stored["iterations"]))
    return hmac.compare_digest(digest.hex(), stored["hash"])


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the user and the roles (groups) it had when it logged in."""

    user_id: str
    full_name: str
    email: str
    roles: tuple[str, ...]
    auth_manager: str  # certUserDBAuthMgr (TLS client certificate) or passwdUserDBAuthMgr

    def has_role(self, *groups: str) -> bool:
        return any(g in self.roles for g in groups)


def _find(table: dict[str, Any], key: str) -> str | None:
    """The stored key equal to ``key`` ignoring case, or None."""
    if key in table:
        return key
    folded = key.casefold()
    for name in table:
        if name.casefold() == folded:
            return name
    return None


class UserDB:
    """Users, their certificates and groups of one subsystem; callers hold ``store.lock``
    around reads and use ``store.transaction()`` around changes."""

    def __init__(self, store: Store, subsystem: str) -> None:
        self.store = store
        self.subsystem = subsystem
        self.users: dict[str, Any] = store.table(f"{subsystem}_users")
        self.groups: dict[str, Any] = store.table(f"{subsystem}_groups")

    # -- setup -----------------------------------------------------------------------------

    def seed_groups(self) -> None:
        """Create the subsystem's default groups that do not exist yet."""
        for name, description in DEFAULT_GROUPS[self.subsystem].items():
            if _find(self.groups, name) is None:
                self.groups[name] = {"id": name, "description": description, "members": []}

    # -- users -----------------------------------------------------------------------------

    def user_key(self, user_id: str) -> str | None:
        return _find(self.users, user_id)

    def get_user(self, user_id: str) -> dict[str, Any]:
        key = self.user_key(user_id)
        if key is None:
            raise not_found(f"User {user_id} not found", USER_NOT_FOUND, {"userId": user_id})
        return self.users[key]  # type: ignore[no-any-return]

    def find_users(self, keyword: str | None) -> list[dict[str, Any]]:
        """Users whose uid, full name or email contains ``keyword`` (all without one)."""
        result = []
        for user in self.users.values():
            fields = (user["id"], user.get("full_name") or "", user.get("email") or "")
            if keyword is None or any(keyword.casefold() in f.casefold() for f in fields):
                result.append(user)
        return sorted(result, key=lambda u: u["id"].casefold())

    def add_user(
        self,
        user_id: str,
        full_name: str,
        *,
        email: str = "",
        password: str | None = None,
        phone: str = "",
        user_type: str = "",
        state: str | None = None,
    ) -> dict[str, Any]:
        """Create a user (409 if the ID exists, as LDAP's "Entry already exists")."""
        if self.user_key(user_id) is not None:
            raise conflict("Entry already exists")
        user: dict[str, Any] = {
            "id": user_id,
            "full_name": full_name,
            "email": email,
            "phone": phone,
            "type": user_type or "undefined",
            "certs": [],
        }
        if state:
            user["state"] = state
        if password:
            user["password"] = _hash_password(password)
        self.users[user_id] = user
        return user

    def set_password(self, user_id: str, password: str) -> None:
        self.get_user(user_id)["password"] = _hash_password(password)

    def remove_user(self, user_id: str) -> None:
        """Remove the user from every group, then delete it (404 if unknown)."""
        key = self.user_key(user_id)
        if key is None:
            raise not_found("No such object", "base.ResourceNotFoundException")
        for group in self.groups.values():
            group["members"] = [m for m in group["members"] if m.casefold() != key.casefold()]
        del self.users[key]

    def check_password(self, user_id: str, password: str) -> dict[str, Any] | None:
        """The user if ``password`` is its password (users without one never match)."""
        key = self.user_key(user_id)
        if key is None:
            return None
        user = self.users[key]
        stored = user.get("password")
        if not stored or not _password_matches(stored, password):
            return None
        return user  # type: ignore[no-any-return]

    # -- certificates ----------------------------------------------------------------------

    def add_cert(self, user_id: str, cert: x509.Certificate) -> str:
        """Store ``cert`` for the user with its description; returns the description."""
        user = self.get_user(user_id)
        description = cert_description(cert)
        if any(c["description"] == description for c in user["certs"]):
            raise conflict("Attribute or value exists")
        pem = cert.public_bytes(serialization.Encoding.PEM).decode()
        user["certs"].append({"description": description, "pem": pem})
        return description

    def remove_cert(self, user_id: str, cert_id: str) -> None:
        """Delete a certificate by its 4-part ID; a ``-1;`` prefix ignores the version."""
        user = self.get_user(user_id)

        def same(description: str) -> bool:
            if cert_id.startswith("-1;"):
                return description.split(";", 1)[1] == cert_id[3:]
            return description == cert_id

        kept = [c for c in user["certs"] if not same(c["description"])]
        if len(kept) == len(user["certs"]):
            raise not_found("No such attribute", "base.ResourceNotFoundException")
        user["certs"] = kept

    def user_by_cert(self, cert: x509.Certificate) -> dict[str, Any] | None:
        """The user whose stored description matches ``cert`` exactly."""
        description = cert_description(cert)
        for user in self.users.values():
            if any(c["description"] == description for c in user["certs"]):
                return user  # type: ignore[no-any-return]
        return None

    # -- groups ----------------------------------------------------------------------------

    def group_key(self, group_id: str) -> str | None:
        return _find(self.groups, group_id)

    def get_group(self, group_id: str) -> dict[str, Any]:
        key = self.group_key(group_id)
        if key is None:
            raise not_found(f"Group {group_id} not found", GROUP_NOT_FOUND, {"groupId": group_id})
        return self.groups[key]  # type: ignore[no-any-return]

    def find_groups(self, keyword: str | None) -> list[dict[str, Any]]:
        result = [
            g
            for g in self.groups.values()
            if keyword is None or keyword.casefold() in g["id"].casefold()
        ]
        return sorted(result, key=lambda g: g["id"].casefold())

    def add_group(self, group_id: str, description: str | None) -> dict[str, Any]:
        if self.group_key(group_id) is not None:
            raise conflict("Entry already exists")
        group = {"id": group_id, "description": description or "", "members": []}
        self.groups[group_id] = group
        return group

    def remove_group(self, group_id: str) -> None:
        key = self.group_key(group_id)
        if key is not None:
            del self.groups[key]

    def is_member(self, group: dict[str, Any], user_id: str) -> bool:
        return any(m.casefold() == user_id.casefold() for m in group["members"])

    def add_member(self, group_id: str, user_id: str) -> None:
        """Add ``user_id`` to the group (409 if it already is a member)."""
        group = self.get_group(group_id)
        if self.is_member(group, user_id):
            raise conflict("Attribute or value exists")
        group["members"].append(user_id)

    def remove_member(self, group_id: str, user_id: str) -> None:
        group = self.get_group(group_id)
        if not self.is_member(group, user_id):
            raise not_found("No such attribute", "base.ResourceNotFoundException")
        group["members"] = [m for m in group["members"] if m.casefold() != user_id.casefold()]

    def groups_of(self, user_id: str) -> list[str]:
        """The sorted names of the groups the user belongs to (its roles)."""
        return sorted(g["id"] for g in self.groups.values() if self.is_member(g, user_id))

    def principal(self, user: dict[str, Any], auth_manager: str) -> Principal:
        return Principal(
            user_id=user["id"],
            full_name=user.get("full_name") or "",
            email=user.get("email") or "",
            roles=tuple(self.groups_of(user["id"])),
            auth_manager=auth_manager,
        )

    # -- provisioning (the server's own setup and test helpers) ----------------------------

    def ensure_user(
        self,
        user_id: str,
        full_name: str,
        groups: Iterable[str],
        *,
        email: str = "",
        certs: Sequence[x509.Certificate] = (),
        password: str | None = None,
    ) -> dict[str, Any]:
        """Create or update a user with these certificates, password and memberships."""
        key = self.user_key(user_id)
        user = self.users[key] if key else self.add_user(user_id, full_name, email=email)
        for cert in certs:
            if self.user_by_cert(cert) is None:
                self.add_cert(user["id"], cert)
        if password:
            self.set_password(user["id"], password)
        for name in groups:
            group = self.get_group(name)
            if not self.is_member(group, user["id"]):
                group["members"].append(user["id"])
        return user  # type: ignore[no-any-return]


def check_user_id(user_id: object) -> str:
    """Dogtag's checks on a new user ID (null/blank → 400, backslash → 400, $System$ → 403)."""
    if not isinstance(user_id, str) or not user_id.strip():
        raise bad_request("Resource ID (RS_ID) can not be null")
    if "\\" in user_id:
        raise bad_request("Resource ID (RS_ID) can not contain backslashes")
    if user_id == "$System$":
        raise DogtagError(
            403, "base.ForbiddenException", f"Not allowed to create this special user: {user_id}"
        )
    return user_id
