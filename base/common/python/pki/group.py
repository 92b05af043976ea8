"""Groups of a CA or KRA (``/<sub>/<api>/admin/groups``): ``GroupClient`` and its data classes.

Upstream has no Python group client; this one follows the Java ``GroupClient``
(``findGroups``, ``getGroup``, ``addGroup``, ``modifyGroup``, ``removeGroup`` and the member
calls) in Python spelling, in the style of ``pki.user.UserClient``. Groups are the roles the
server checks (Certificate Manager Agents, Administrators...). Every call needs an
administrator.
"""

from __future__ import annotations

import logging
from typing import Any

import pki
import pki.client
import pki.encoder
from pki.resource import DataCollection, JSONData, ResourceClient, data, json_field, path_id

__all__ = [
    "GroupData",
    "GroupCollection",
    "GroupMemberData",
    "GroupMemberCollection",
    "GroupClient",
]

logger = logging.getLogger(__name__)


@data
class GroupData(JSONData):
    """A group: ``group_id`` (JSON ``GroupID``; ``id`` repeats it) and ``description``."""

    id: str | None = json_field("id")
    group_id: str | None = json_field("GroupID", show=True)
    description: str | None = json_field("Description", show=True)


class GroupCollection(DataCollection[GroupData]):
    """A page of groups (``group_list``)."""

    item_type = GroupData
    items_attr = "group_list"
    group_list: list[GroupData]


@data
class GroupMemberData(JSONData):
    """A member of a group: ``member_id`` (the user ID, JSON ``id``) and ``group_id``."""

    member_id: str | None = json_field("id", show=True)
    group_id: str | None = json_field("groupID", show=True)


class GroupMemberCollection(DataCollection[GroupMemberData]):
    """A page of a group's members (``member_list``)."""

    item_type = GroupMemberData
    items_attr = "member_list"
    member_list: list[GroupMemberData]


class GroupClient(ResourceClient):
    """Groups of a subsystem. ``parent`` is a subsystem client, a ``PKIClient`` (then
    ``subsystem`` says which, default ``ca``) or a ``PKIConnection``."""

    default_subsystem = "ca"

    def __init__(self, parent: Any, subsystem: str | None = None) -> None:
        super().__init__(parent, subsystem)

    def _group(self, group_id: Any, tail: str = "") -> str:
        return f"admin/groups/{path_id(group_id, 'Group ID')}{tail}"

    @pki.handle_exceptions()
    def find_groups(
        self, filter: str | None = None, start: int | None = None, size: int | None = None
    ) -> GroupCollection:
        """A page of groups; ``filter`` matches group names."""
        params = {"filter": filter, "start": start, "size": size}
        return self._get_json("admin/groups", params, decode=GroupCollection.from_json)

    @pki.handle_exceptions()
    def get_group(self, group_id: str) -> GroupData:
        """One group; 404 ``GroupNotFoundException`` for an unknown one."""
        return self._get_json(self._group(group_id), decode=GroupData.from_json)

    @pki.handle_exceptions()
    def add_group(self, group_data: GroupData) -> GroupData:
        """Create a group (``group_id`` is required)."""
        if group_data is None or not group_data.group_id:
            raise ValueError("Group ID must be specified")
        return self._send_json("POST", "admin/groups", group_data, decode=GroupData.from_json)

    @pki.handle_exceptions()
    def modify_group(self, group_id: str, group_data: GroupData) -> GroupData:
        """Change the group's description (``""`` removes it)."""
        return self._send_json(
            "PATCH", self._group(group_id), group_data, decode=GroupData.from_json
        )

    @pki.handle_exceptions()
    def remove_group(self, group_id: str) -> None:
        """Delete a group."""
        self._request("DELETE", self._group(group_id))

    @pki.handle_exceptions()
    def find_group_members(
        self,
        group_id: str,
        filter: str | None = None,
        start: int | None = None,
        size: int | None = None,
    ) -> GroupMemberCollection:
        """A page of the group's members."""
        params = {"filter": filter, "start": start, "size": size}
        return self._get_json(
            self._group(group_id, "/members"), params, decode=GroupMemberCollection.from_json
        )

    @pki.handle_exceptions()
    def get_group_member(self, group_id: str, member_id: str) -> GroupMemberData:
        """One member of the group (user IDs match without regard to case)."""
        path = self._group(group_id, "/members/" + path_id(member_id, "Member ID"))
        return self._get_json(path, decode=GroupMemberData.from_json)

    @pki.handle_exceptions()
    def add_group_member(self, group_id: str, member_id: str) -> GroupMemberData:
        """Add a user to the group."""
        if not member_id:
            raise ValueError("Member ID must be specified")
        member = GroupMemberData(member_id=str(member_id))
        body = self._send_json("POST", self._group(group_id, "/members"), member)
        return GroupMemberData.from_json(body) if body else GroupMemberData(
            str(member_id), str(group_id)
        )

    @pki.handle_exceptions()
    def remove_group_member(self, group_id: str, member_id: str) -> None:
        """Remove a user from the group."""
        self._request(
            "DELETE", self._group(group_id, "/members/" + path_id(member_id, "Member ID"))
        )


pki.encoder.NOTYPES.update({cls.__name__: cls for cls in (GroupData, GroupMemberData)})
