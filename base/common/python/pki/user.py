"""Users of a CA or KRA (``/<sub>/<api>/admin/users``): ``UserClient`` and its data classes.

Upstream's Python ``UserClient`` has only ``find_users()``, which returns the server's JSON;
that stays as it is. The other methods follow the Java ``UserClient`` (``getUser``,
``addUser``, ``modifyUser``, ``removeUser``, user certificates and memberships) in Python
spelling and return the data classes below. Every call needs an administrator (group
Administrators). A user's certificates are what maps a TLS client certificate to the user:
add the agent's certificate to a user to let that certificate act as the user.
"""

from __future__ import annotations

import logging
from typing import Any

import pki
import pki.client
import pki.encoder
from pki.resource import (
    DataCollection,
    JSONData,
    ResourceClient,
    data,
    json_field,
    path_id,
)

__all__ = [
    "UserData",
    "UserCollection",
    "UserCertData",
    "UserCertCollection",
    "UserMembershipData",
    "UserMembershipCollection",
    "UserClient",
]

logger = logging.getLogger(__name__)


@data
class UserData(JSONData):
    """A user. ``password`` is sent when creating or modifying a user and never returned or
    shown; ``attributes`` holds extra settings (TPS profiles)."""

    id: str | None = json_field("id")
    user_id: str | None = json_field("UserID", show=True)
    full_name: str | None = json_field("FullName", show=True)
    email: str | None = json_field("Email", show=True)
    password: str | None = json_field("password")
    phone: str | None = json_field("phone")
    type: str | None = json_field("type", show=True)
    state: str | None = json_field("state", show=True)
    attributes: dict[str, Any] | None = json_field("attributes")


class UserCollection(DataCollection[UserData]):
    """A page of users (``user_list``; entries carry ``id``, ``UserID``, ``FullName``)."""

    item_type = UserData
    items_attr = "user_list"
    user_list: list[UserData]


@data
class UserCertData(JSONData):
    """A certificate of a user. ``cert_id`` is the server's
    ``<version>;<serial>;<issuer DN>;<subject DN>`` string; ``serial_number`` is ``0x`` hex;
    ``encoded`` (PEM) and ``pretty_repr`` come with ``get_user_cert`` only."""

    cert_id: str | None = json_field("id", show=True)
    version: Any = json_field("Version")
    serial_number: str | None = json_field("SerialNumber", show=True)
    issuer_dn: str | None = json_field("IssuerDN")
    subject_dn: str | None = json_field("SubjectDN", show=True)
    pretty_repr: str | None = json_field("PrettyPrint")
    encoded: str | None = json_field("Encoded")


class UserCertCollection(DataCollection[UserCertData]):
    """A page of a user's certificates (``cert_list``)."""

    item_type = UserCertData
    items_attr = "cert_list"
    cert_list: list[UserCertData]


@data
class UserMembershipData(JSONData):
    """A user's membership of a group: ``group_id`` (JSON ``id``) and ``user_id``."""

    group_id: str | None = json_field("id", show=True)
    user_id: str | None = json_field("userID", show=True)


class UserMembershipCollection(DataCollection[UserMembershipData]):
    """A page of a user's group memberships (``membership_list``)."""

    item_type = UserMembershipData
    items_attr = "membership_list"
    membership_list: list[UserMembershipData]


class UserClient(ResourceClient):
    """Users of a subsystem. ``parent`` is a subsystem client (``CAClient``, ``KRAClient``,
    ``SubsystemClient``), a ``PKIClient`` (then ``subsystem`` says which, default ``ca``) or
    a ``PKIConnection``."""

    default_subsystem = "ca"

    def __init__(self, parent: Any, subsystem: str | None = None) -> None:
        super().__init__(parent, subsystem)

    def _user(self, user_id: Any, tail: str = "") -> str:
        return f"admin/users/{path_id(user_id, 'User ID')}{tail}"

    def find_users(
        self, filter: str | None = None, start: int | None = None, size: int | None = None
    ) -> Any:
        """A page of users as the server's JSON (``{"total", "entries"}``), as upstream.

        ``filter`` (3 characters or more) matches user IDs, names and e-mail addresses;
        ``UserCollection.from_json`` turns the answer into ``UserData`` objects. As upstream,
        HTTP errors are not mapped to ``PKIException``: the ``requests`` HTTPError comes out.
        """
        logger.info("Getting %s users", self.subsystem_name)
        return self._get_json("admin/users", {"filter": filter, "start": start, "size": size})

    @pki.handle_exceptions()
    def get_user(self, user_id: str) -> UserData:
        """One user; 404 ``UserNotFoundException`` for an unknown one."""
        return self._get_json(self._user(user_id), decode=UserData.from_json)

    @pki.handle_exceptions()
    def add_user(self, user_data: UserData) -> UserData:
        """Create a user (``user_id`` and ``full_name`` are required)."""
        if user_data is None or not user_data.user_id:
            raise ValueError("User ID must be specified")
        return self._send_json("POST", "admin/users", user_data, decode=UserData.from_json)

    @pki.handle_exceptions()
    def modify_user(self, user_id: str, user_data: UserData) -> UserData:
        """Change the fields set in ``user_data`` (full name, e-mail, password, phone,
        state); the others stay as they are."""
        return self._send_json(
            "PATCH", self._user(user_id), user_data, decode=UserData.from_json
        )

    @pki.handle_exceptions()
    def remove_user(self, user_id: str) -> None:
        """Delete a user (after removing it from every group)."""
        self._request("DELETE", self._user(user_id))

    @pki.handle_exceptions()
    def find_user_certs(
        self, user_id: str, start: int | None = None, size: int | None = None
    ) -> UserCertCollection:
        """A page of the user's certificates."""
        return self._get_json(
            self._user(user_id, "/certs"), {"start": start, "size": size},
            decode=UserCertCollection.from_json,
        )

    @pki.handle_exceptions()
    def get_user_cert(self, user_id: str, cert_id: str) -> UserCertData:
        """One certificate of the user (``cert_id`` as ``find_user_certs`` lists it)."""
        path = self._user(user_id, "/certs/" + path_id(cert_id, "Certificate ID"))
        return self._get_json(path, decode=UserCertData.from_json)

    @pki.handle_exceptions()
    def add_user_cert(self, user_id: str, cert: UserCertData | str | bytes) -> UserCertData:
        """Add a certificate to the user: a ``UserCertData`` or the PEM (or base64 DER) text.

        From then on a TLS client presenting that certificate acts as the user.
        """
        if isinstance(cert, bytes):
            cert = cert.decode("ascii")
        if isinstance(cert, str):
            cert = UserCertData(encoded=cert)
        if not cert.encoded:
            raise ValueError("The certificate (Encoded) must be specified")
        body = self._send_json("POST", self._user(user_id, "/certs"), cert)
        return UserCertData.from_json(body) if body else cert

    @pki.handle_exceptions()
    def remove_user_cert(self, user_id: str, cert_id: str) -> None:
        """Remove a certificate from the user."""
        self._request(
            "DELETE", self._user(user_id, "/certs/" + path_id(cert_id, "Certificate ID"))
        )

    @pki.handle_exceptions()
    def find_user_memberships(
        self,
        user_id: str,
        filter: str | None = None,
        start: int | None = None,
        size: int | None = None,
    ) -> UserMembershipCollection:
        """The groups the user belongs to (a page)."""
        params = {"filter": filter, "start": start, "size": size}
        return self._get_json(
            self._user(user_id, "/memberships"), params,
            decode=UserMembershipCollection.from_json,
        )

    @pki.handle_exceptions()
    def add_user_membership(self, user_id: str, group_id: str) -> UserMembershipData:
        """Add the user to a group (the server takes the bare group name as the body)."""
        group = str(group_id or "")
        if not group:
            raise ValueError("Group ID must be specified")
        body = self._send_json("POST", self._user(user_id, "/memberships"), group)
        if body:
            return UserMembershipData.from_json(body)
        return UserMembershipData(group, str(user_id))

    @pki.handle_exceptions()
    def remove_user_membership(self, user_id: str, group_id: str) -> None:
        """Remove the user from a group."""
        self._request(
            "DELETE", self._user(user_id, "/memberships/" + path_id(group_id, "Group ID"))
        )


pki.encoder.NOTYPES.update(
    {cls.__name__: cls for cls in (UserData, UserCertData, UserMembershipData)}
)
