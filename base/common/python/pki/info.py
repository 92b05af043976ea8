"""Server information (``/pki/<api>/info``) and the plumbing every resource client shares.

``InfoClient`` asks a Dogtag server for its name, version and banner; ``Version`` compares
version strings. ``ApiTarget`` turns "the CA's ``certs`` resource" into the path a given
connection expects, whatever the caller handed the resource client: a ``PKIConnection``
(old style: ``/<subsystem>/rest/...``), a ``PKIClient`` (``/<subsystem>/<v2|rest>/...``), or a
subsystem client such as ``CAClient``/``KRAClient``. It lives here because choosing between the
``v2`` and ``rest`` API is a question about the server, which is this module's business.
The ID helpers at the end let every client accept IDs as ints, decimal strings or ``0x`` hex.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any, ClassVar, Generic, TypeVar

import pki

logger = logging.getLogger(__name__)

JSON_HEADERS = {"Content-type": "application/json", "Accept": "application/json"}

# API path used when the caller gave a bare PKIConnection: ``rest`` is served by every 10.x and
# 11.x server (11.6+ rewrites it to v1), while ``v2`` only exists from 11.6 on.
DEFAULT_CONNECTION_API_PATH = "rest"


def _is_pki_client(obj: Any) -> bool:
    return callable(getattr(obj, "get_api_path", None)) and hasattr(obj, "connection")


def _is_subsystem_client(obj: Any) -> bool:
    return hasattr(obj, "parent") and isinstance(getattr(obj, "name", None), str)


def _is_connection(obj: Any) -> bool:
    return callable(getattr(obj, "get", None)) and callable(getattr(obj, "post", None))


class ApiTarget:
    """Where a resource client sends its requests, and how.

    ``parent`` is a ``PKIConnection``, a ``PKIClient`` or a subsystem client (anything with
    ``parent`` and ``name``, like upstream's ``SubsystemClient``). ``subsystem`` overrides the
    subsystem taken from a subsystem client or from the connection's deprecated ``subsystem``;
    ``default_subsystem`` applies when neither says anything.

    The API path (``v2`` or ``rest``) is resolved on every request, not here, because
    ``PKIClient.get_api_path()`` may have to ask the server, and building a client must stay
    free of network traffic.
    """

    def __init__(
        self,
        parent: Any,
        subsystem: str | None = None,
        default_subsystem: str | None = None,
        api_path: str | None = None,
    ) -> None:
        self.pki_client: Any = None
        while _is_subsystem_client(parent) and not _is_pki_client(parent):
            subsystem = subsystem or parent.name
            parent = parent.parent
        if _is_pki_client(parent):
            self.pki_client = parent
            self.connection: Any = parent.connection
        elif _is_connection(parent):
            self.connection = parent
        else:
            raise TypeError(
                "expected a PKIConnection, a PKIClient or a subsystem client, "
                f"not {type(parent).__name__}"
            )
        self.subsystem = (
            subsystem or getattr(self.connection, "subsystem", None) or default_subsystem
        )
        #: Fixed API path ('v2' or 'rest'); None means ask the PKIClient or use the default.
        self.api_path = api_path

    def get_api_path(self) -> str:
        """The API path segment for this server: ``v2`` or ``rest``."""
        if self.api_path:
            return self.api_path
        if self.pki_client is not None:
            return str(self.pki_client.get_api_path())
        return DEFAULT_CONNECTION_API_PATH

    def resolve(
        self, resource: str, subsystem: str | None = None, api_path: str | None = None
    ) -> tuple[str, bool]:
        """Return ``(path, use_root_uri)`` for ``resource`` (e.g. ``'agent/certs/0x1'``).

        A connection created with the deprecated ``subsystem`` prefixes every path with it;
        for that subsystem the prefix is left out, and for any other one the request goes to
        the root URI instead.
        """
        sub = subsystem or self.subsystem
        if not sub:
            raise ValueError("no subsystem given for this resource client")
        tail = f"/{api_path or self.get_api_path()}/{resource.lstrip('/')}"
        conn_sub = getattr(self.connection, "subsystem", None)
        if conn_sub:
            if conn_sub == sub:
                return tail, False
            return f"/{sub}{tail}", True
        return f"/{sub}{tail}", False

    def get(
        self,
        resource: str,
        params: dict[str, Any] | None = None,
        subsystem: str | None = None,
        api_path: str | None = None,
    ) -> Any:
        """GET a resource; returns the requests Response (already checked for errors)."""
        path, root = self.resolve(resource, subsystem, api_path)
        logger.debug("GET %s", path)
        kwargs: dict[str, Any] = {"headers": dict(JSON_HEADERS), "params": clean_params(params)}
        if root:
            kwargs["use_root_uri"] = True
        return self.connection.get(path, **kwargs)

    def post(
        self,
        resource: str,
        payload: Any = None,
        params: dict[str, Any] | None = None,
        subsystem: str | None = None,
    ) -> Any:
        """POST a JSON body (an object with ``to_json()``, a dict, a str or None)."""
        path, root = self.resolve(resource, subsystem)
        logger.debug("POST %s", path)
        body = payload if payload is None or isinstance(payload, str) else dump_json(payload)
        kwargs: dict[str, Any] = {"headers": dict(JSON_HEADERS), "params": clean_params(params)}
        if root:
            kwargs["use_root_uri"] = True
        return self.connection.post(path, body, **kwargs)


def clean_params(params: dict[str, Any] | None) -> dict[str, Any] | None:
    """Drop query parameters whose value is None; booleans become ``true``/``false``."""
    if not params:
        return None
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else value
    return out or None


def dump_json(obj: Any) -> str:
    """Serialise a request body; objects provide ``to_json()``."""
    return pki.encode_json(obj)


def response_json(response: Any) -> Any:
    """The JSON body of a response, or None when it has none (e.g. 204)."""
    if getattr(response, "status_code", None) == 204 or not getattr(response, "content", b"x"):
        return None
    return response.json()


# --- IDs -----------------------------------------------------------------------------------


def parse_id(value: Any, what: str = "ID") -> int:
    """Parse a Dogtag ID: an int, a decimal string, a ``0x`` hex string, or an object whose
    ``value`` is one of those (upstream's ``RequestId``). Raises ValueError otherwise."""
    if value is None:
        raise ValueError(f"{what} must be specified")
    inner = getattr(value, "value", None)
    if inner is not None and not isinstance(value, (int, str)):
        value = inner
    if isinstance(value, bool):
        raise ValueError(f"invalid {what}: {value!r}")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        try:
            if text[:2].lower() == "0x":
                number = int(text[2:], 16)
            else:
                number = int(text, 10)
        except ValueError:
            raise ValueError(f"invalid {what}: {value!r}") from None
    if number < 0:
        raise ValueError(f"invalid {what}: {value!r}")
    return number


def hex_id(value: Any, what: str = "ID") -> str:
    """The ID as Dogtag's JSON writes it: lowercase ``0x`` hex (serials, key IDs)."""
    return hex(parse_id(value, what))


def decimal_id(value: Any, what: str = "ID") -> str:
    """The ID as a decimal string (request IDs, as upstream clients have always used them)."""
    return str(parse_id(value, what))


def entries_of(json_value: Any) -> list[Any]:
    """The ``entries`` of a Dogtag collection, as a list (absent, one object, or a list)."""
    if not isinstance(json_value, dict):
        return []
    entries = json_value.get("entries")
    if entries is None:
        return []
    if isinstance(entries, list):
        return entries
    return [entries]


_T = TypeVar("_T")


class DataCollection(Generic[_T]):
    """A page of a Dogtag collection: its items plus the server's ``total``.

    Subclasses name the item class and the attribute upstream keeps the items in
    (``cert_data_info_list``, ``key_infos``...), so scripts reading those keep working.
    ``links`` holds the ``Link`` list that servers before 11.2 sent.
    """

    item_type: ClassVar[Any]
    items_attr: ClassVar[str]

    def __init__(self) -> None:
        setattr(self, self.items_attr, [])
        self.links: list[Any] = []
        self.total: int | None = None

    @property
    def items(self) -> list[_T]:
        return getattr(self, self.items_attr)  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[_T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @classmethod
    def from_json(cls, json_value: Any) -> Any:
        ret = cls()
        if isinstance(json_value, dict):
            ret.total = json_value.get("total")
            links = json_value.get("Link")
            ret.links = [] if links is None else links if isinstance(links, list) else [links]
        parsed = (cls.item_type.from_json(entry) for entry in entries_of(json_value))
        ret.items.extend(item for item in parsed if item is not None)
        return ret

    def to_json(self) -> dict[str, Any]:
        return {
            "entries": [item.to_json() for item in self.items],  # type: ignore[attr-defined]
            "total": self.total if self.total is not None else len(self.items),
        }


# --- Info ----------------------------------------------------------------------------------


class Info:
    """What ``/pki/<api>/info`` reports: ``version``, ``banner`` and any other field as-is."""

    json_attribute_names = {"Version": "version", "Banner": "banner"}

    def __init__(self, version: str | None = None, banner: str | None = None) -> None:
        self.version = version
        self.banner = banner

    def __repr__(self) -> str:
        return f"Info(version={self.version!r})"

    @classmethod
    def from_json(cls, attr_list: dict[str, Any]) -> Info:
        info = cls()
        for key, value in attr_list.items():
            setattr(info, cls.json_attribute_names.get(key, key), value)
        return info

    def to_json(self) -> dict[str, Any]:
        reverse = {v: k for k, v in self.json_attribute_names.items()}
        return {reverse.get(k, k): v for k, v in vars(self).items() if v is not None}


class Version(tuple):
    """A server version such as ``11.5.0``: a comparable ``(major, minor, patchlevel)`` tuple.

    Missing components count as 0 (``Version('11') == (11, 0, 0)``); a non-numeric tail on
    the last component is ignored (``11.6.0-beta1`` is ``11.6.0``); more than three
    components is an error, as upstream.
    """

    __slots__ = ()

    def __new__(cls, version: str | Version) -> Version:
        if isinstance(version, Version):
            return version
        parts = str(version).strip().split(".")
        if not parts or len(parts) > 3:
            raise ValueError(f"invalid version: {version!r}")
        numbers = []
        for index, part in enumerate(parts):
            digits = part
            if index == len(parts) - 1:
                digits = ""
                for char in part:
                    if not char.isdigit():
                        break
                    digits += char
            if not digits.isdigit():
                raise ValueError(f"invalid version: {version!r}")
            numbers.append(int(digits))
        numbers.extend([0] * (3 - len(numbers)))
        return tuple.__new__(cls, numbers)

    def __str__(self) -> str:
        return "{}.{}.{}".format(*self)

    def __repr__(self) -> str:
        return f"<Version('{self}')>"

    def __getnewargs__(self) -> tuple[str]:  # type: ignore[override]
        return (str(self),)

    @property
    def major(self) -> int:
        return int(self[0])

    @property
    def minor(self) -> int:
        return int(self[1])

    @property
    def patchlevel(self) -> int:
        return int(self[2])


def _http_status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if status is None:
        status = getattr(exc, "code", None)
    return status if isinstance(status, int) else None


class InfoClient:
    """Reads ``/pki/v2/info``, falling back to ``/pki/rest/info`` on servers before 11.6.

    ``parent`` is a ``PKIConnection`` or a ``PKIClient``. A PKIClient whose ``api_path`` is
    already set (e.g. by FreeIPA's ``support_v2``) is asked on that path only. This client
    never calls ``PKIClient.get_api_path()``, because that is what calls us.
    """

    def __init__(self, parent: Any) -> None:
        self.target = ApiTarget(parent, subsystem="pki")
        self.pki_client = self.target.pki_client
        self.connection = self.target.connection

    def _api_paths(self) -> list[str]:
        fixed = getattr(self.pki_client, "api_path", None) if self.pki_client else None
        if fixed:
            return ["rest" if fixed == "v1" else str(fixed)]
        return ["v2", "rest"]

    @pki.handle_exceptions()
    def get_info(self) -> Info:
        """Return the server's ``Info``; the first API path that does not answer 404 wins."""
        paths = self._api_paths()
        for index, api_path in enumerate(paths):
            try:
                response = self.target.get("info", api_path=api_path)
            except Exception as exc:  # only a 404 means "try the next path"
                if _http_status(exc) == 404 and index + 1 < len(paths):
                    logger.debug("No server info at /pki/%s/info, trying the next path", api_path)
                    continue
                raise
            body = response_json(response) or {}
            logger.debug("Server info: %s", json.dumps(body, sort_keys=True))
            return Info.from_json(body)
        raise pki.PKIException("Unable to get PKI server info")  # pragma: no cover

    @pki.handle_exceptions()
    def get_version(self) -> Version:
        """The server's version as a ``Version``."""
        version = self.get_info().version
        if not version:
            raise pki.PKIException("The server did not report its version")
        return Version(version)
