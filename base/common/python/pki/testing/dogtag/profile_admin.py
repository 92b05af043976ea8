"""Profile administration: ``/ca/<api>/profiles`` (list, get, raw, create, modify, state, delete).

The rules are ``ProfileBase``'s (v2) and ``ProfileService``'s (v1):

* Callers without the role ``Certificate Manager Agents`` (or the hard-coded
  ``Certificate Manager Administrators``) see only visible profiles: hidden ones are left out
  of lists, ``visible=false`` gives them an empty list, and a hidden profile is a 404.
* Only a disabled profile may be modified or deleted (409 otherwise); a profile created or
  modified in raw form is saved disabled; enabling records the enabling agent.
* Raw bodies are properties text: ``GET .../raw`` adds the virtual keys ``profileId`` and
  ``classId``; ``POST raw`` needs them; ``PUT .../raw`` ignores them. v2 sends raw text as
  ``application/octet-stream``; v1 under the type ``Accept`` negotiates (JSON by default).
* v2 ``POST raw`` answers the stored text (with the virtual keys) and ``Location:
  .../profiles/raw/<id>``; v1 answers the text it stored, headed by a date comment as
  ``SimpleProperties.store`` writes it, and ``Location`` = the request URL.

Deviation: modifying an unknown profile is a 404 here, where Dogtag's v2 code (and v1's raw
modify) dereferences the missing profile and fails with a 500.
"""

from __future__ import annotations

import datetime
from typing import Any

from pki.testing.dogtag import formats, javaprops
from pki.testing.dogtag.admin import location
from pki.testing.dogtag.errors import DogtagError, bad_request, conflict
from pki.testing.dogtag.http import Request, Response, Route, json_response, route
from pki.testing.dogtag.profiles import (
    PROFILE_CLASSES,
    InvalidProfile,
    Profile,
    ProfileStore,
    config_from_data,
    not_found_error,
)

OCTET_STREAM = "application/octet-stream"
# PKIService.MESSAGE_FORMATS: what v1 can answer, in preference order
V1_FORMATS = (
    "application/json",
    "application/xml",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "application/pkix-cert",
    "application/pkcs7-mime",
    "application/x-pem-file",
)
SEES_HIDDEN = ("Certificate Manager Agents", "Certificate Manager Administrators")


def _java_boolean(value: str | None) -> bool | None:
    """``Boolean.valueOf``: None stays None, only ``true`` (any case) is true."""
    return None if value is None else value.strip().lower() == "true"


def v1_format(req: Request) -> str:
    """``PKIService.getResponseFormat``: the first acceptable type v1 can produce (406 if none)."""
    accept = req.headers.get("Accept")
    candidates = [c.split(";")[0].strip() for c in (accept or "").split(",") if c.strip()]
    if not candidates:
        content_type = (req.headers.get("Content-Type") or "").split(";")[0].strip()
        candidates = [content_type] if content_type else ["application/json"]
    for candidate in candidates:
        major, _, minor = candidate.partition("/")
        for valid in V1_FORMATS:
            vmajor, _, vminor = valid.partition("/")
            if major in ("*", vmajor) and minor in ("*", vminor):
                return valid
    raise DogtagError(406, "base.PKIException", "Not Acceptable")


def _java_date_comment() -> str:
    """The comment line ``SimpleProperties.store`` starts with (``#`` + ``Date.toString()``)."""
    return "#" + formats.java_date(datetime.datetime.now(datetime.timezone.utc)) + "\n"


class ProfileResources:
    """``/ca/<api>/profiles``."""

    def __init__(self, profiles: ProfileStore) -> None:
        self.profiles = profiles
        self.store = profiles.store

    # -- helpers ---------------------------------------------------------------------------

    def _visible_only(self, req: Request) -> bool:
        return req.account is None or not req.account.has_role(*SEES_HIDDEN)

    def _readable(self, req: Request, profile_id: str) -> Profile:
        """``ProfileBase.getProfile``: 404 when unknown, or hidden from this caller."""
        profile = self.profiles.get(profile_id)
        if not profile.visible and self._visible_only(req):
            raise not_found_error(profile_id)
        return profile

    def _raw_response(self, req: Request, text: str, status: int = 200, **kw: Any) -> Response:
        content_type = OCTET_STREAM if req.api == "v2" else v1_format(req)
        headers = [("Location", kw["location"])] if kw.get("location") else []
        return Response(status, text.encode(), content_type, headers)

    # -- reads -----------------------------------------------------------------------------

    def list_all(self, req: Request) -> dict[str, Any]:
        start, size = req.int_param("start", 0), req.int_param("size", 20)
        visible = _java_boolean(req.params.get("visible"))
        enable = _java_boolean(req.params.get("enable"))
        enable_by = req.params.get("enableBy")
        visible_only = self._visible_only(req)
        if visible_only and visible is False:
            return formats.collection([], 0)
        with self.store.lock:
            profiles = [self.profiles.get(pid) for pid in self.profiles.ids()]
        entries = []
        for p in profiles:
            if (
                (visible_only and not p.visible)
                or (visible is not None and p.visible != visible)
                or (enable is not None and p.enabled != enable)
                or (enable_by is not None and p.enabled_by != enable_by)
            ):
                continue
            if req.api == "v2":
                url = location(req, p.profile_id)
            else:
                url = req.url(f"profiles/{p.profile_id}")
            entries.append(p.info(url))
        return formats.collection(formats.page(entries, start, size), len(entries))

    def get(self, req: Request, profile_id: str) -> dict[str, Any]:
        with self.store.lock:
            return self._readable(req, profile_id).data()

    def get_raw(self, req: Request, profile_id: str) -> Response:
        with self.store.lock:
            profile = self._readable(req, profile_id)
        return self._raw_response(req, profile.raw())

    # -- creation --------------------------------------------------------------------------

    def create(self, req: Request) -> Response:
        data = req.json()
        if not isinstance(data, dict):
            raise bad_request("Unable to create profile: Invalid profile data.")
        profile_id = data.get("id")
        if not profile_id:
            raise bad_request("Unable to create profile: Missing profile ID")
        class_id = str(data.get("classId") or "")
        with self.store.transaction():
            if self.profiles.find(str(profile_id)) is not None:
                raise conflict("Profile already exists")
            if class_id not in PROFILE_CLASSES:
                raise bad_request(f"Unable to create profile: Unknown class ID: {class_id}")
            profile = Profile(str(profile_id), class_id, config_from_data(data))
            profile.config["enable"] = "false"
            try:
                profile.validate()
            except InvalidProfile as e:
                raise DogtagError(
                    500, "base.PKIException", f"Unable to update profile: {e}"
                ) from None
            self.profiles.put(profile)
        body = self._readable(req, profile.profile_id).data() if req.api == "v2" else profile.data()
        where = (
            location(req, profile.profile_id)
            if req.api == "v2"
            else req.url(f"profiles/{profile.profile_id}")
        )
        return json_response(body, 201, [("Location", where)])

    def create_raw(self, req: Request) -> Response:
        props = javaprops.parse(req.text())
        profile_id, class_id = props.pop("profileId", None), props.pop("classId", None)
        if profile_id is None:
            raise bad_request("Unable to create profile: Missing profile ID")
        if class_id is None:
            raise bad_request("Unable to create profile: Missing class ID")
        profile = Profile(profile_id, class_id, props)
        with self.store.transaction():
            if self.profiles.find(profile_id) is not None:
                raise conflict("Unable to create profile: Profile already exists")
            try:
                profile.validate()
            except InvalidProfile as e:
                raise bad_request(f"Unable to create profile: {e}") from None
            stored_v1 = _java_date_comment() + javaprops.render(props)
            profile.config["enable"] = "false"
            self.profiles.put(profile)
        if req.api == "v2":
            return self._raw_response(req, profile.raw(), 201, location=location(req, profile_id))
        return self._raw_response(req, stored_v1, 201, location=req.request_url)

    # -- changes ---------------------------------------------------------------------------

    def _disabled(self, profile_id: str, message: str) -> Profile:
        profile = self.profiles.get(profile_id)
        if profile.enabled:
            raise conflict(message)
        return profile

    def _enabled_message(self, req: Request) -> str:
        spaces = " " if req.api == "v2" else "  "
        return f"Cannot change profile data.{spaces}Profile must be disabled"

    def modify(self, req: Request, profile_id: str) -> dict[str, Any]:
        data = req.json()
        if not isinstance(data, dict):
            raise bad_request("Unable to modify profile: Invalid profile data")
        with self.store.transaction():
            profile = self._disabled(profile_id, self._enabled_message(req))
            profile.config = config_from_data(data, profile.config)
            try:
                profile.validate()
            except InvalidProfile as e:
                raise DogtagError(
                    500, "base.PKIException", f"Unable to update profile: {e}"
                ) from None
            self.profiles.put(profile)
        if req.api == "v2":
            with self.store.lock:
                return self._readable(req, profile_id).data()
        return profile.data()

    def modify_raw(self, req: Request, profile_id: str) -> Response:
        try:
            props = javaprops.parse(req.body.decode("utf-8"))
        except UnicodeDecodeError:
            raise bad_request("Could not parse raw profile data.") from None
        props.pop("profileId", None)
        props.pop("classId", None)
        with self.store.transaction():
            profile = self._disabled(profile_id, self._enabled_message(req))
            candidate = Profile(profile_id, profile.class_id, props)
            try:
                candidate.validate()
            except InvalidProfile:
                raise bad_request("Invalid profile data") from None
            stored = _java_date_comment() + javaprops.render(props)
            candidate.config["enable"] = "false"
            self.profiles.put(candidate)
        return self._raw_response(req, stored)

    def change_state(self, req: Request, profile_id: str) -> Response:
        action = req.params.get("action")
        if action is None:
            raise bad_request("Unable to modify profile state: Missing action")
        with self.store.transaction():
            profile = self.profiles.get(profile_id)
            if action == "enable":
                if profile.enabled:
                    raise conflict("Profile already enabled")
                profile.config["enable"] = "true"
                profile.config["enableBy"] = req.principal or ""
            elif action == "disable":
                if not profile.enabled:
                    raise conflict("Profile already disabled")
                profile.config["enable"] = "false"
            else:
                raise bad_request("Invalid operation")
            self.profiles.put(profile)
        return Response(204)

    def delete(self, req: Request, profile_id: str) -> Response:
        with self.store.transaction():
            self._disabled(
                profile_id,
                f"Cannot delete profile `{profile_id}`.  Profile must be disabled first.",
            )
            self.profiles.delete(profile_id)
        return Response(204)

    def routes(self) -> list[Route]:
        pid = r"(?P<profile_id>[^/]+)"
        return [
            route("GET", r"profiles", self.list_all, "profiles.list"),
            route("POST", r"profiles", self.create, "profiles.create"),
            route("POST", r"profiles/raw", self.create_raw, "profiles.create"),
            route("GET", rf"profiles/{pid}", self.get, "profiles.read"),
            route("GET", rf"profiles/{pid}/raw", self.get_raw, "profiles.read"),
            route("POST", rf"profiles/{pid}", self.change_state, "profiles.approve"),
            route("PUT", rf"profiles/{pid}", self.modify, "profiles.modify"),
            route("PUT", rf"profiles/{pid}/raw", self.modify_raw, "profiles.modify"),
            route("DELETE", rf"profiles/{pid}", self.delete, "profiles.delete"),
        ]
