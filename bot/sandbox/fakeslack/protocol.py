"""The wire conventions every part of the fake shares.

How a request's arguments arrive (query, form or JSON, with JSON-encoded fields decoded), how
Slack says no (``{"ok": false, "error": ...}``), how loosely typed arguments are read, and the
``Answer`` a request is given. Imports nothing else from the package.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JsonDict = dict[str, Any]
Predicate = Callable[[JsonDict], bool]

# Fields clients send as JSON strings in form or query bodies; decoded for handlers and tests.
JSON_ENCODED_FIELDS = ("blocks", "attachments", "view", "files", "metadata", "user_auth_blocks")


class InvalidJsonError(Exception):
    """The request said it carried JSON but did not."""


def error_body(name: str, *messages: str) -> JsonDict:
    """An ``{"ok": false}`` body; ``messages`` go to ``response_metadata.messages`` like Slack's."""
    body: JsonDict = {"ok": False, "error": name}
    if messages:
        body["response_metadata"] = {"messages": list(messages)}
    return body


def truthy(value: Any) -> bool:
    """A boolean argument: JSON ``true`` or, from a form, ``"1"``/``"true"``."""
    return value is True or (isinstance(value, str) and value.lower() in ("1", "true"))


def as_int(value: Any) -> int | None:
    """An integer argument (JSON number or form string); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    return None


def split_ids(value: Any) -> list[str]:
    """A list-of-ids argument: a JSON list or a comma-separated string, blanks dropped."""
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return []


def url_of(request: web.Request) -> str:
    """The request URL without its query string, as ``Call.url`` records it."""
    return str(request.url.with_query(None))


async def read_args(request: web.Request) -> JsonDict:
    """Query string, form body and JSON body merged, JSON-encoded form fields decoded.

    Raises:
        InvalidJsonError: The body is declared JSON but is not a JSON object.
    """
    args: JsonDict = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            args.update(await _json_object(request))
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            args.update({key: value for key, value in form.items() if isinstance(value, str)})
    for name in JSON_ENCODED_FIELDS:
        value = args.get(name)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                args[name] = json.loads(value)
    return args


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """A Web API call as read off the wire, before anything answers it.

    Attributes:
        method: The method name in the path (``/api/<method>``).
        args: As ``read_args`` gives them, without ``token``; None when the body was
            declared JSON but was not a JSON object.
        token: The bearer token: of the ``Authorization`` header, else the ``token`` arg.
        url: The request URL without query string.
    """

    method: str
    args: JsonDict | None
    token: str | None
    url: str


async def read_api_request(request: web.Request) -> ApiRequest:
    """The ``ApiRequest`` of an ``/api/{method}`` request."""
    try:
        args: JsonDict | None = await read_args(request)
    except InvalidJsonError:
        args = None
    token = args.pop("token", None) if args is not None else None
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith("Bearer "):
        token = authorization.removeprefix("Bearer ").strip()
    elif authorization.startswith("Basic ") and args is not None:
        # The app's client id and secret (``oauth.v2.access``), as the args Slack also takes.
        client_id, secret = _basic_auth(authorization)
        args.setdefault("client_id", client_id)
        args.setdefault("client_secret", secret)
    return ApiRequest(request.match_info["method"], args, token, url_of(request))


def _basic_auth(header: str) -> tuple[str, str]:
    """The user and password of an HTTP Basic ``Authorization`` header ("" when unreadable)."""
    try:
        decoded = base64.b64decode(header.removeprefix("Basic ").strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    user, _, password = decoded.partition(":")
    return user, password


async def _json_object(request: web.Request) -> JsonDict:
    try:
        body = json.loads(await request.read() or b"{}")
    except ValueError as exc:
        raise InvalidJsonError from exc
    if not isinstance(body, dict):
        raise InvalidJsonError
    return body


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer decided synchronously, sent after any injected delay."""

    status: int = 200
    payload: JsonDict | None = None
    text: str = ""
    content_type: str = "text/plain"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @property
    def error(self) -> str | None:
        """What ``Call.error`` records for this answer.

        The ``error`` of an ``{"ok": false}`` body (``"ratelimited"`` for a 429), else
        ``"http_<status>"`` for any other status than 200, else None.
        """
        if self.payload is not None and not self.payload.get("ok"):
            return self.payload.get("error")
        return None if self.status == 200 else f"http_{self.status}"

    def to_response(self) -> web.Response:
        """The aiohttp response: JSON when there is a payload, else ``text``."""
        if self.payload is not None:
            return web.json_response(self.payload, status=self.status, headers=self.headers)
        return web.Response(
            status=self.status, text=self.text, content_type=self.content_type, headers=self.headers
        )
