"""A local fake of the Slack Web API, served over real HTTP with aiohttp.

``sdo demo`` drives the real app against it and every app test uses it in place of slack.com.
Point ``AsyncWebClient(token=..., base_url=fake.base_url)`` (or ``SDO_SLACK_API_URL``) at it::

    async with FakeSlack() as fake:
        fake.add_user("U1", name="ada")
        fake.add_channel("C1", name="team", members=["U1", fake.bot_user_id])
        client = AsyncWebClient(token=fake.bot_token, base_url=fake.base_url)
        await client.chat_postMessage(channel="U1", text="hi")
        assert fake.messages["DU1"][0]["text"] == "hi"

What it records, and where:

* ``calls``: every request the fake *answered like Slack*, i.e. with HTTP 200, in arrival
  order. That includes ``{"ok": false}`` answers (``invalid_auth``, ``channel_not_found``, an
  injected ``fail``…); ``Call.ok`` and ``Call.error`` tell them apart.
* ``rate_limited``: requests answered 429 (injected with ``rate_limit``). Never in ``calls``.
* ``server_errors``: requests answered 5xx (injected with ``server_error``). Never in ``calls``.
* ``requests``: all of the above together, in arrival order.

Besides Web API methods (``/api/<method>``) it serves the upload URLs of the files v2 flow
(recorded as method ``"file_upload"``) and response URLs from ``new_response_url`` (recorded as
method ``"response_url"``); neither needs a token, like on Slack. Faults can target those names
too, and ``"*"`` targets every method.

Run ``python -m bot.sandbox.fakeslack --port N --users 200`` to serve a generated team from another
process; ``GET /_calls``, ``GET /_messages`` and ``POST /_faults`` expose the same state over HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import contextlib
import hashlib
import json
import math
import mimetypes
import secrets
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

JsonDict = dict[str, Any]
Predicate = Callable[[JsonDict], bool]

# Fields clients send as JSON strings in form or query bodies; decoded for handlers and tests.
_JSON_ENCODED_FIELDS = ("blocks", "attachments", "view", "files", "metadata", "user_auth_blocks")

# Slack's documented limits (Block Kit reference, chat.postMessage and views.* docs).
_MAX_MESSAGE_BLOCKS = 50
_MAX_VIEW_BLOCKS = 100
_MAX_MESSAGE_TEXT = 40_000
_MAX_MEMBERS_PAGE = 1000
_DEFAULT_MEMBERS_PAGE = 100
_MAX_MPIM_USERS = 8
# Methods that authenticate with the client id and secret, not a bearer token.
NO_TOKEN_METHODS = frozenset({"oauth.v2.access"})
_KNOWN_BLOCK_TYPES = frozenset(
    {
        "section",
        "divider",
        "image",
        "actions",
        "context",
        "input",
        "header",
        "file",
        "rich_text",
        "video",
        "markdown",
        "table",
    }
)


@dataclass(frozen=True, slots=True)
class Call:
    """One request the fake received.

    Attributes:
        method: Web API method name (``"chat.postMessage"``), or ``"file_upload"`` for an upload
            URL, or ``"response_url"`` for a response URL.
        args: Query string, form body and JSON body merged, without ``token``. Form and query
            values stay strings; JSON-encoded form fields such as ``blocks`` and ``view`` are
            decoded. For ``response_url`` it is the posted JSON payload.
        at: ``time.monotonic()`` when the request body had been read.
        url: The request URL without query string.
        status: HTTP status of the answer.
        error: The ``error`` of an ``{"ok": false}`` answer, ``"ratelimited"`` for 429s,
            ``"http_<status>"`` for server errors, else ``None``.
    """

    method: str
    args: JsonDict
    at: float
    url: str = ""
    status: int = 200
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether Slack would have reported success."""
        return self.status == 200 and self.error is None

    def to_json(self) -> JsonDict:
        """A JSON-safe dict of this call (used by ``GET /_calls``)."""
        return {
            "method": self.method,
            "args": self.args,
            "at": self.at,
            "url": self.url,
            "status": self.status,
            "error": self.error,
        }


@dataclass(slots=True)
class _Fault:
    """One injected fault; ``remaining`` of None means until ``reset_faults``."""

    kind: str  # "fail" | "server_error" | "rate_limit" | "delay"
    when: Predicate | None
    remaining: int | None
    error: str = "internal_error"
    status: int = 500
    retry_after: int = 1
    per_second: float | None = None
    seconds: float = 0.0
    window: deque[float] = field(default_factory=deque)

    def matches(self, args: JsonDict) -> bool:
        if self.when is None:
            return True
        try:
            return bool(self.when(args))
        except Exception:  # a predicate that cannot read this call's args does not target it
            return False

    def spend(self) -> None:
        if self.remaining is not None:
            self.remaining -= 1

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0

    def window_full(self, now: float) -> bool:
        """Sliding window: ceil(per_second) calls admitted per ceil(per_second)/per_second s."""
        assert self.per_second is not None
        capacity = max(1, math.ceil(self.per_second))
        span = capacity / self.per_second
        while self.window and now - self.window[0] >= span:
            self.window.popleft()
        return len(self.window) >= capacity


@dataclass(frozen=True, slots=True)
class _Answer:
    """An HTTP answer decided synchronously, sent after any injected delay."""

    status: int = 200
    payload: JsonDict | None = None
    text: str = ""
    content_type: str = "text/plain"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def to_response(self) -> web.Response:
        if self.payload is not None:
            return web.json_response(self.payload, status=self.status, headers=self.headers)
        return web.Response(
            status=self.status, text=self.text, content_type=self.content_type, headers=self.headers
        )


class _InvalidJson(Exception):
    """The request said it carried JSON but did not."""


def _error(name: str, *messages: str) -> JsonDict:
    """An ``{"ok": false}`` body; ``messages`` go to ``response_metadata.messages`` like Slack's."""
    body: JsonDict = {"ok": False, "error": name}
    if messages:
        body["response_metadata"] = {"messages": list(messages)}
    return body


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("1", "true"))


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    return None


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: str) -> int | None:
    try:
        kind, _, number = base64.b64decode(cursor, validate=True).decode().partition(":")
        offset = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return offset if kind == "offset" and offset >= 0 else None


def _split_ids(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return []


# --- Block Kit validation: the limits Slack enforces, so an app bug shows up here, not in prod.


def _too_long(limit: int, pointer: str) -> str:
    return f"[ERROR] must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _text_object_errors(
    obj: Any, pointer: str, *, limit: int, plain_only: bool = False
) -> list[str]:
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    if not isinstance(obj, dict) or obj.get("type") not in allowed:
        return [
            f"[ERROR] must be a text object of type {' or '.join(allowed)} [json-pointer:{pointer}]"
        ]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"[ERROR] must be more than 0 characters [json-pointer:{pointer}/text]"]
    return [_too_long(limit, f"{pointer}/text")] if len(text) > limit else []


def _options_errors(options: Any, pointer: str, *, most: int) -> list[str]:
    if not isinstance(options, list) or not options:
        return [f"[ERROR] must provide at least 1 option [json-pointer:{pointer}]"]
    errors = (
        [f"[ERROR] no more than {most} items allowed [json-pointer:{pointer}]"]
        if len(options) > most
        else []
    )
    for index, option in enumerate(options):
        where = f"{pointer}/{index}"
        if not isinstance(option, dict):
            errors.append(f"[ERROR] must be an object [json-pointer:{where}]")
            continue
        errors += _text_object_errors(option.get("text"), f"{where}/text", limit=75)
        value = option.get("value")
        if isinstance(value, str) and len(value) > 150:
            errors.append(_too_long(150, f"{where}/value"))
    return errors


def _element_errors(element: Any, pointer: str) -> list[str]:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        return [f"[ERROR] missing required field: type [json-pointer:{pointer}]"]
    errors: list[str] = []
    kind = element["type"]
    action_id = element.get("action_id")
    if isinstance(action_id, str) and len(action_id) > 255:
        errors.append(_too_long(255, f"{pointer}/action_id"))
    if kind == "button":
        errors += _text_object_errors(
            element.get("text"), f"{pointer}/text", limit=75, plain_only=True
        )
        value = element.get("value")
        if isinstance(value, str) and len(value) > 2000:
            errors.append(_too_long(2000, f"{pointer}/value"))
        if element.get("style") not in (None, "primary", "danger"):
            errors.append(f"[ERROR] must be one of primary, danger [json-pointer:{pointer}/style]")
    elif kind in ("static_select", "multi_static_select") and "option_groups" not in element:
        errors += _options_errors(element.get("options"), f"{pointer}/options", most=100)
    elif kind == "overflow":
        errors += _options_errors(element.get("options"), f"{pointer}/options", most=5)
    elif kind in ("checkboxes", "radio_buttons"):
        errors += _options_errors(element.get("options"), f"{pointer}/options", most=10)
    elif kind == "image":
        errors += _image_errors(element, pointer)
    elif kind == "plain_text_input":
        max_length = element.get("max_length")
        if isinstance(max_length, int) and not 1 <= max_length <= 3000:
            errors.append(f"[ERROR] must be between 1 and 3000 [json-pointer:{pointer}/max_length]")
    placeholder = element.get("placeholder")
    if placeholder is not None and kind != "image":
        errors += _text_object_errors(
            placeholder, f"{pointer}/placeholder", limit=150, plain_only=True
        )
    return errors


def _image_errors(image: JsonDict, pointer: str) -> list[str]:
    errors = []
    if not image.get("image_url") and not image.get("slack_file"):
        errors.append(
            f"[ERROR] must provide either image_url or slack_file [json-pointer:{pointer}]"
        )
    alt_text = image.get("alt_text")
    if not isinstance(alt_text, str) or not alt_text:
        errors.append(f"[ERROR] missing required field: alt_text [json-pointer:{pointer}]")
    elif len(alt_text) > 2000:
        errors.append(_too_long(2000, f"{pointer}/alt_text"))
    return errors


def _elements_errors(elements: Any, pointer: str, *, most: int, context: bool = False) -> list[str]:
    if not isinstance(elements, list) or not elements:
        return [f"[ERROR] must provide at least 1 element [json-pointer:{pointer}]"]
    errors = (
        [f"[ERROR] no more than {most} items allowed [json-pointer:{pointer}]"]
        if len(elements) > most
        else []
    )
    action_ids: set[str] = set()
    for index, element in enumerate(elements):
        where = f"{pointer}/{index}"
        if (
            context
            and isinstance(element, dict)
            and element.get("type") in ("plain_text", "mrkdwn")
        ):
            errors += _text_object_errors(element, where, limit=3000)
            continue
        errors += _element_errors(element, where)
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if isinstance(action_id, str):
            if action_id in action_ids:
                errors.append(f"[ERROR] duplicate action_id [json-pointer:{where}/action_id]")
            action_ids.add(action_id)
    return errors


def _block_errors(block: JsonDict, pointer: str) -> list[str]:
    kind = block["type"]
    if kind not in _KNOWN_BLOCK_TYPES:
        return [f"[ERROR] unsupported type: {kind} [json-pointer:{pointer}/type]"]
    errors: list[str] = []
    if kind == "section":
        text, fields = block.get("text"), block.get("fields")
        if text is None and fields is None:
            errors.append(f"[ERROR] must provide either text or fields [json-pointer:{pointer}]")
        if text is not None:
            errors += _text_object_errors(text, f"{pointer}/text", limit=3000)
        if fields is not None:
            if not isinstance(fields, list) or len(fields) > 10:
                errors.append(
                    f"[ERROR] no more than 10 items allowed [json-pointer:{pointer}/fields]"
                )
            else:
                for index, item in enumerate(fields):
                    errors += _text_object_errors(item, f"{pointer}/fields/{index}", limit=2000)
        if block.get("accessory") is not None:
            errors += _element_errors(block["accessory"], f"{pointer}/accessory")
    elif kind == "header":
        errors += _text_object_errors(
            block.get("text"), f"{pointer}/text", limit=150, plain_only=True
        )
    elif kind == "actions":
        errors += _elements_errors(block.get("elements"), f"{pointer}/elements", most=25)
    elif kind == "context":
        errors += _elements_errors(
            block.get("elements"), f"{pointer}/elements", most=10, context=True
        )
    elif kind == "image":
        errors += _image_errors(block, pointer)
    elif kind == "input":
        errors += _text_object_errors(
            block.get("label"), f"{pointer}/label", limit=2000, plain_only=True
        )
        errors += _element_errors(block.get("element"), f"{pointer}/element")
    return errors


def block_kit_errors(blocks: Any, *, max_blocks: int, pointer: str = "/blocks") -> list[str]:
    """Slack-style error messages for a ``blocks`` array, empty when Slack would accept it.

    Args:
        blocks: The decoded ``blocks`` value of a message or view.
        max_blocks: 50 for messages, 100 for modals and Home tabs.
        pointer: JSON pointer of ``blocks`` inside the request, used in the messages.

    Returns:
        Messages shaped like Slack's ``response_metadata.messages``.
    """
    if not isinstance(blocks, list):
        return [f"[ERROR] must be an array [json-pointer:{pointer}]"]
    errors = []
    if len(blocks) > max_blocks:
        errors.append(f"[ERROR] no more than {max_blocks} items allowed [json-pointer:{pointer}]")
    block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"{pointer}/{index}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            errors.append(f"[ERROR] missing required field: type [json-pointer:{where}]")
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if len(block_id) > 255:
                errors.append(_too_long(255, f"{where}/block_id"))
            if block_id in block_ids:
                errors.append(f"[ERROR] duplicate block_id [json-pointer:{where}/block_id]")
            block_ids.add(block_id)
        errors += _block_errors(block, where)
    return errors


def view_errors(view: Any) -> list[str]:
    """Slack-style error messages for a modal or Home tab view, empty when Slack would accept it.

    Args:
        view: The decoded ``view`` argument of ``views.open``/``update``/``publish``.

    Returns:
        Messages shaped like Slack's ``response_metadata.messages``.
    """
    if not isinstance(view, dict):
        return ["[ERROR] must be an object [json-pointer:/view]"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return ["[ERROR] must be one of modal, home [json-pointer:/view/type]"]
    errors = block_kit_errors(
        view.get("blocks"), max_blocks=_MAX_VIEW_BLOCKS, pointer="/view/blocks"
    )
    if kind == "modal":
        errors += _text_object_errors(view.get("title"), "/view/title", limit=24, plain_only=True)
        for button in ("submit", "close"):
            if view.get(button) is not None:
                errors += _text_object_errors(
                    view[button], f"/view/{button}", limit=24, plain_only=True
                )
        blocks = view.get("blocks")
        blocks = blocks if isinstance(blocks, list) else []
        has_input = any(
            isinstance(block, dict) and block.get("type") == "input" for block in blocks
        )
        if has_input and view.get("submit") is None:
            errors.append(
                "[ERROR] must provide a submit property when using input blocks "
                "[json-pointer:/view]"
            )
    for name, limit in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
        value = view.get(name)
        if isinstance(value, str) and len(value) > limit:
            errors.append(_too_long(limit, f"/view/{name}"))
    return errors


# --- The server.


class FakeSlack:
    """A Slack workspace and its Web API on a local port.

    All state (directory, messages, recordings, faults) lives on the instance.

    Attributes:
        workspace_id: ``team_id`` of the workspace.
        bot_user_id: User id of the app's bot user (in the directory, ``is_bot`` true).
        bot_id: ``bot_id`` that ``auth.test`` reports.
        bot_token: The only token accepted.
        users: User id -> the ``users.info`` ``user`` object (live: edits change answers).
        channels: Channel id -> the ``conversations.info`` ``channel`` object (live).
        channel_members: Channel id -> member ids in order (live; ``conversations.members``).
        calls: Requests answered with HTTP 200 (ok or not), in arrival order.
        rate_limited: Requests answered 429.
        server_errors: Requests answered with an injected 5xx.
        requests: Every recorded request, in arrival order.
        messages: Conversation id (``C…``, ``D…`` for DMs) -> its messages as stored now;
            ``chat.update`` edits them in place; file shares appear as messages with ``files``.
        ephemerals: ``chat.postEphemeral`` messages: dicts of channel, user, text, blocks, ts.
        views: View id -> the view as last opened/updated/published.
        home_views: User id -> the Home tab view last published for them.
        files: File id -> the file object of a completed upload.
        uploads: File id -> the bytes posted to its upload URL.
        opened_dms: User id -> DM channel id, for users ``conversations.open`` was called with.
    """

    def __init__(
        self,
        *,
        workspace_id: str = "T0000FAKE",
        bot_user_id: str = "UBOTFAKE",
        bot_token: str = "xoxb-fake-bot-token",
        bot_id: str = "B0000FAKE",
        app_id: str = "A0000FAKE",
        team_name: str = "Fake Workspace",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """Create the workspace (not serving yet: call ``start`` or use ``async with``).

        Args:
            workspace_id: ``team_id`` for every answer.
            bot_user_id: The bot user's id; added to the directory as a bot.
            bot_token: The bearer token the fake accepts.
            bot_id: ``bot_id`` of the bot user.
            app_id: ``app_id`` on posted messages and views.
            team_name: Workspace name in ``auth.test``.
            host: Interface to listen on.
            port: Port to listen on; 0 picks a free one.
        """
        self.workspace_id = workspace_id
        self.bot_user_id = bot_user_id
        self.bot_token = bot_token
        self.bot_id = bot_id
        self.app_id = app_id
        self.team_name = team_name
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._root_url: str | None = None

        self.users: dict[str, JsonDict] = {}
        self.channels: dict[str, JsonDict] = {}
        self.channel_members: dict[str, list[str]] = {}
        self.calls: list[Call] = []
        self.rate_limited: list[Call] = []
        self.server_errors: list[Call] = []
        self.requests: list[Call] = []
        self.messages: dict[str, list[JsonDict]] = {}
        self.ephemerals: list[JsonDict] = []
        self.views: dict[str, JsonDict] = {}
        self.home_views: dict[str, JsonDict] = {}
        self.files: dict[str, JsonDict] = {}
        self.uploads: dict[str, bytes] = {}
        self.opened_dms: dict[str, str] = {}

        self._calls_by_method: dict[str, list[Call]] = {}
        self._message_index: dict[tuple[str, str], JsonDict] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._channel_names: dict[str, str] = {}
        self._mpims: dict[tuple[str, ...], str] = {}
        self._used_triggers: set[str] = set()
        self._pending_files: dict[str, JsonDict] = {}
        self._upload_keys: dict[str, str] = {}
        self._response_urls: dict[str, JsonDict] = {}
        self.oauth_codes: set[str] = set()
        self._serial = 0
        self._last_ts_micros = 0
        self._methods: dict[str, Callable[[JsonDict], JsonDict]] = {
            "auth.test": self._auth_test,
            "conversations.members": self._conversations_members,
            "conversations.info": self._conversations_info,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "oauth.v2.access": self._oauth_v2_access,
        }
        self.add_user(bot_user_id, name="sdo-pulse", real_name="SDO Pulse", is_bot=True)
        # Every workspace has Slackbot; it is not a bot by users.info (is_bot false), only by id.
        self.add_user("USLACKBOT", name="slackbot", real_name="Slackbot", tz="America/Los_Angeles")

    # --- lifecycle

    async def start(self) -> None:
        """Start serving; ``url`` and ``base_url`` are valid afterwards."""
        if self._runner is not None:
            return
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/v1/{key}", self._handle_upload)
        app.router.add_post("/response/{key}", self._handle_response_url)
        app.router.add_get("/files-pri/{team_file}/{name}", self._handle_file_download)
        app.router.add_get("/_calls", self._handle_calls_dump)
        app.router.add_get("/_messages", self._handle_messages_dump)
        app.router.add_post("/_faults", self._handle_faults)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        await site.start()
        host, port = runner.addresses[0][:2]
        self._runner = runner
        self._root_url = f"http://{host}:{port}/"

    async def stop(self) -> None:
        """Stop serving and close open connections."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Server root, e.g. ``http://127.0.0.1:41234/``."""
        if self._root_url is None:
            raise RuntimeError("FakeSlack is not started")
        return self._root_url

    @property
    def base_url(self) -> str:
        """Web API base URL for ``AsyncWebClient(base_url=...)``, e.g. ``http://127.0.0.1:41234/api/``."""
        return f"{self.url}api/"

    # --- directory

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        real_name: str | None = None,
        tz: str = "Europe/Berlin",
        is_bot: bool = False,
        deleted: bool = False,
        is_admin: bool = False,
        is_owner: bool = False,
    ) -> JsonDict:
        """Add (or replace) a workspace member.

        Args:
            user_id: Slack user id, e.g. ``"U012AB3CD"``.
            name: Handle (``name``, ``profile.display_name``).
            real_name: Full name; defaults to ``name``.
            tz: IANA time zone; ``tz_offset``/``tz_label`` are derived from it.
            is_bot: A bot user.
            deleted: A deactivated account.
            is_admin: Workspace admin.
            is_owner: Workspace owner.

        Returns:
            The ``users.info`` ``user`` object, live: changing it changes later answers.
        """
        full_name = real_name or name
        try:
            now = datetime.now(ZoneInfo(tz))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {tz!r}") from exc
        offset = now.utcoffset()
        user: JsonDict = {
            "id": user_id,
            "team_id": self.workspace_id,
            "name": name,
            "deleted": deleted,
            "color": hashlib.sha1(user_id.encode()).hexdigest()[:6],
            "real_name": full_name,
            "tz": tz,
            "tz_label": now.tzname() or tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": {
                "real_name": full_name,
                "real_name_normalized": full_name,
                "display_name": name,
                "display_name_normalized": name,
                "team": self.workspace_id,
            },
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
        }
        if is_bot:
            user["profile"]["bot_id"] = (
                self.bot_id if user_id == self.bot_user_id else f"B{user_id}"
            )
        self.users[user_id] = user
        return user

    def add_channel(
        self, channel_id: str, *, name: str, members: Sequence[str], is_private: bool = False
    ) -> JsonDict:
        """Add (or replace) a channel.

        Args:
            channel_id: Channel id, e.g. ``"C012AB3CD"``.
            name: Channel name without ``#``.
            members: Member ids in the order ``conversations.members`` lists them. Include
                ``bot_user_id`` when the bot was invited (``conversations.info`` ``is_member``).
            is_private: A private channel.

        Returns:
            The ``conversations.info`` ``channel`` object, live.
        """
        channel: JsonDict = {
            "id": channel_id,
            "name": name,
            "name_normalized": name,
            "is_channel": not is_private,
            "is_group": is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "is_archived": False,
            "is_general": False,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "context_team_id": self.workspace_id,
            "created": int(time.time()),
            "creator": members[0] if members else self.bot_user_id,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }
        self.channels[channel_id] = channel
        self.channel_members[channel_id] = list(members)
        self._channel_names[name] = channel_id
        return channel

    def add_generated_team(
        self,
        *,
        users: int,
        channel_id: str = "CTEAM",
        channel_name: str = "team",
        tz: str = "Europe/Berlin",
    ) -> list[str]:
        """Add ``users`` generated humans (``U00000001``…) and a channel holding them and the bot.

        Args:
            users: How many people.
            channel_id: The channel's id.
            channel_name: The channel's name.
            tz: Everyone's time zone.

        Returns:
            The generated user ids, in channel order.
        """
        ids = [f"U{number:08d}" for number in range(1, users + 1)]
        for number, user_id in enumerate(ids, start=1):
            self.add_user(user_id, name=f"user{number}", real_name=f"User {number}", tz=tz)
        self.add_channel(channel_id, name=channel_name, members=[*ids, self.bot_user_id])
        return ids

    def dm_channel_id(self, user_id: str) -> str:
        """The DM channel id the fake uses for the bot's DM with ``user_id`` (``"D" + user_id``)."""
        return f"D{user_id}"

    # --- recording

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        """Answered (HTTP 200) calls of one method, in arrival order.

        Args:
            method: Method name, e.g. ``"chat.postMessage"`` or ``"response_url"``.
            ok: Keep only successful (True) or only ``ok: false`` (False) calls; None keeps all.

        Returns:
            A new list.
        """
        calls = self._calls_by_method.get(method, [])
        if ok is None:
            return list(calls)
        return [call for call in calls if call.ok is ok]

    def new_response_url(self, *, channel_id: str | None = None, user_id: str | None = None) -> str:
        """A response URL on this server, as Slack puts in slash command and action payloads.

        POSTs to it are recorded as ``Call(method="response_url", args=<JSON payload>)`` and
        answered ``{"ok": true}``. With ``channel_id``, an ``"response_type": "in_channel"``
        payload is also stored in ``messages[channel_id]``.

        Args:
            channel_id: The channel the command or action came from.
            user_id: The user who triggered it.

        Returns:
            The absolute URL.
        """
        key = f"{self._next_serial()}-{secrets.token_hex(8)}"
        self._response_urls[key] = {"channel_id": channel_id, "user_id": user_id}
        return f"{self.url}response/{key}"

    # --- fault injection

    def fail(
        self,
        method: str,
        *,
        error: str = "internal_error",
        when: Predicate | None = None,
        times: int | None = None,
    ) -> None:
        """Answer matching calls with HTTP 200 ``{"ok": false, "error": error}``.

        Args:
            method: Method name, or ``"*"`` for all.
            error: Slack error code, e.g. ``"channel_not_found"``.
            when: Only calls whose args satisfy this (e.g. ``lambda a: a.get("channel") == "DU1"``).
            times: Only the next ``times`` matching calls; None until ``reset_faults``.
        """
        self._add_fault(method, _Fault("fail", when, times, error=error))

    def server_error(
        self,
        method: str,
        *,
        status: int = 500,
        times: int | None = 1,
        when: Predicate | None = None,
    ) -> None:
        """Answer matching calls with an HTML HTTP ``status`` page (recorded in ``server_errors``).

        Args:
            method: Method name, or ``"*"`` for all.
            status: HTTP status, e.g. 500 or 503.
            times: The next ``times`` matching calls; None until ``reset_faults``.
            when: Only calls whose args satisfy this.
        """
        self._add_fault(method, _Fault("server_error", when, times, status=status))

    def rate_limit(
        self,
        method: str,
        *,
        per_second: float | None = None,
        retry_after: int = 1,
        times: int | None = None,
        when: Predicate | None = None,
    ) -> None:
        """Answer HTTP 429 ``{"ok": false, "error": "ratelimited"}`` with ``Retry-After``.

        Without ``per_second`` every matching call is limited (the next ``times`` ones, or all
        until ``reset_faults``). With ``per_second``, only calls beyond that rate are limited: a
        sliding window admits ``ceil(per_second)`` calls per ``ceil(per_second)/per_second``
        seconds; ``times`` then caps how many 429s are given. Limited calls go to
        ``rate_limited``, not ``calls``, and do not use up the window.

        Args:
            method: Method name, or ``"*"`` for all.
            per_second: Allowed rate; None limits unconditionally.
            retry_after: Seconds put in the ``Retry-After`` header.
            times: Most 429s to give; None for no cap.
            when: Only calls whose args satisfy this (counted in their own window).
        """
        if per_second is not None and per_second <= 0:
            raise ValueError("per_second must be positive")
        self._add_fault(
            method,
            _Fault("rate_limit", when, times, retry_after=retry_after, per_second=per_second),
        )

    def delay(self, method: str, seconds: float, *, when: Predicate | None = None) -> None:
        """Hold matching answers back by ``seconds``.

        The call takes effect (message stored, call recorded) when it arrives; only the answer is
        late, like a slow network: a client killed meanwhile never learns its message was posted.

        Args:
            method: Method name, or ``"*"`` for all.
            seconds: Delay; several matching delays add up.
            when: Only calls whose args satisfy this.
        """
        self._add_fault(method, _Fault("delay", when, None, seconds=seconds))

    def reset_faults(self) -> None:
        """Remove every injected fault and delay."""
        self._faults.clear()

    def _add_fault(self, method: str, fault: _Fault) -> None:
        if fault.remaining is not None and fault.remaining <= 0:
            return
        self._faults.setdefault(method, []).append(fault)

    def _faults_for(self, method: str, args: JsonDict) -> list[_Fault]:
        if not self._faults:
            return []
        candidates = [*self._faults.get(method, ()), *self._faults.get("*", ())]
        return [fault for fault in candidates if fault.matches(args)]

    def _drop_if_exhausted(self, fault: _Fault) -> None:
        if not fault.exhausted:
            return
        for faults in self._faults.values():
            if fault in faults:
                faults.remove(fault)

    # --- request pipeline

    def _record(self, call: Call) -> None:
        self.requests.append(call)
        if call.status == 200:
            self.calls.append(call)
            self._calls_by_method.setdefault(call.method, []).append(call)
        elif call.status == 429:
            self.rate_limited.append(call)
        else:
            self.server_errors.append(call)

    def _process(
        self,
        *,
        method: str,
        args: JsonDict,
        arrived: float,
        url: str,
        handler: Callable[[JsonDict], JsonDict | _Answer],
        token: str | None = None,
        needs_auth: bool = True,
    ) -> _Answer:
        """Apply faults, auth and the handler; record the call. Synchronous: keeps arrival order."""
        faults = self._faults_for(method, args)
        delay = sum(fault.seconds for fault in faults if fault.kind == "delay")
        for fault in faults:
            if fault.kind != "rate_limit":
                continue
            if fault.per_second is None or fault.window_full(arrived):
                fault.spend()
                self._drop_if_exhausted(fault)
                self._record(Call(method, args, arrived, url, 429, "ratelimited"))
                return _Answer(
                    429,
                    _error("ratelimited"),
                    headers={"Retry-After": str(fault.retry_after)},
                    delay=delay,
                )
        for fault in faults:
            if fault.kind == "rate_limit" and fault.per_second is not None:
                fault.window.append(arrived)
        for fault in faults:
            if fault.kind == "server_error":
                fault.spend()
                self._drop_if_exhausted(fault)
                self._record(Call(method, args, arrived, url, fault.status, f"http_{fault.status}"))
                return _Answer(
                    fault.status,
                    text=f"<html><body><h1>{fault.status} Server Error</h1></body></html>",
                    content_type="text/html",
                    delay=delay,
                )
        body: JsonDict | _Answer | None = None
        if needs_auth:
            if not token:
                body = _error("not_authed")
            elif token != self.bot_token:
                body = _error("invalid_auth")
        if body is None:
            for fault in faults:
                if fault.kind == "fail":
                    fault.spend()
                    self._drop_if_exhausted(fault)
                    body = _error(fault.error)
                    break
        if body is None:
            body = handler(args)
        if isinstance(body, _Answer):
            self._record(
                Call(
                    method,
                    args,
                    arrived,
                    url,
                    body.status,
                    None if body.status == 200 else f"http_{body.status}",
                )
            )
            return _Answer(
                body.status, body.payload, body.text, body.content_type, body.headers, delay
            )
        self._record(
            Call(method, args, arrived, url, 200, None if body.get("ok") else body.get("error"))
        )
        return _Answer(200, body, delay=delay)

    async def _send(self, answer: _Answer) -> web.Response:
        if answer.delay > 0:
            await asyncio.sleep(answer.delay)
        return answer.to_response()

    @staticmethod
    async def _read_args(request: web.Request) -> JsonDict:
        args: JsonDict = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = json.loads(await request.read() or b"{}")
                except ValueError as exc:
                    raise _InvalidJson from exc
                if not isinstance(body, dict):
                    raise _InvalidJson
                args.update(body)
            elif request.content_type in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ):
                form = await request.post()
                args.update({key: value for key, value in form.items() if isinstance(value, str)})
        for name in _JSON_ENCODED_FIELDS:
            value = args.get(name)
            if isinstance(value, str):
                with contextlib.suppress(ValueError):
                    args[name] = json.loads(value)
        return args

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        url = str(request.url.with_query(None))
        try:
            args = await self._read_args(request)
        except _InvalidJson:
            call = Call(method, {}, time.monotonic(), url, 200, "invalid_json")
            self._record(call)
            return web.json_response(_error("invalid_json"))
        arrived = time.monotonic()
        token = args.pop("token", None)
        authorization = request.headers.get("Authorization", "")
        if authorization.startswith("Bearer "):
            token = authorization.removeprefix("Bearer ").strip()
        handler = self._methods.get(method)
        if handler is not None and method in NO_TOKEN_METHODS:
            # The OAuth code exchange authenticates with the app's client id and secret.
            answer = self._process(
                method=method,
                args=args,
                arrived=arrived,
                url=url,
                handler=handler,
                needs_auth=False,
            )
        elif handler is None:
            answer = self._process(
                method=method,
                args=args,
                arrived=arrived,
                url=url,
                handler=lambda _: _error("unknown_method"),
                needs_auth=False,
            )
        else:
            answer = self._process(
                method=method, args=args, arrived=arrived, url=url, handler=handler, token=token
            )
        return await self._send(answer)

    async def _handle_upload(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        file_id = self._upload_keys.get(key)
        if file_id is None:
            return web.Response(status=404, text="Not Found")
        data = b""
        if request.content_type == "multipart/form-data":
            form = await request.post()
            part = form.get("file") or form.get("filename")
            if isinstance(part, web.FileField):
                data = part.file.read()
            elif isinstance(part, str | bytes):
                data = part.encode() if isinstance(part, str) else part
        else:
            data = await request.read()
        url = str(request.url.with_query(None))
        args: JsonDict = {"file_id": file_id, "length": len(data)}

        def store(_: JsonDict) -> _Answer:
            self.uploads[file_id] = data
            return _Answer(200, text=f"OK - {len(data)}")

        answer = self._process(
            method="file_upload",
            args=args,
            arrived=time.monotonic(),
            url=url,
            handler=store,
            needs_auth=False,
        )
        return await self._send(answer)

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        target = self._response_urls.get(request.match_info["key"])
        if target is None:
            return web.Response(status=404, text="no_service")
        try:
            payload = json.loads(await request.read() or b"{}")
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        if not isinstance(payload, dict):
            return web.Response(status=400, text="invalid_payload")
        url = str(request.url.with_query(None))

        def respond(body: JsonDict) -> JsonDict:
            channel_id = target["channel_id"]
            if channel_id and body.get("response_type") == "in_channel":
                self._store_message(channel_id, self._new_message(body))
            return {"ok": True}

        answer = self._process(
            method="response_url",
            args=payload,
            arrived=time.monotonic(),
            url=url,
            handler=respond,
            needs_auth=False,
        )
        return await self._send(answer)

    async def _handle_file_download(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization", "") != f"Bearer {self.bot_token}":
            return web.Response(status=403, text="Forbidden")
        _, _, file_id = request.match_info["team_file"].partition("-")
        file = self.files.get(file_id)
        if file is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=self.uploads[file_id], content_type=file["mimetype"])

    async def _handle_calls_dump(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        since = _as_int(request.query.get("since")) or 0

        def dump(calls: list[Call]) -> list[JsonDict]:
            return [call.to_json() for call in calls if method is None or call.method == method]

        calls = self._calls_by_method.get(method, []) if method else self.calls
        return web.json_response(
            {
                "calls": [call.to_json() for call in calls[since:]],
                "rate_limited": dump(self.rate_limited),
                "server_errors": dump(self.server_errors),
            }
        )

    async def _handle_messages_dump(self, request: web.Request) -> web.Response:
        return web.json_response({"messages": self.messages, "ephemerals": self.ephemerals})

    async def _handle_faults(self, request: web.Request) -> web.Response:
        """``POST /_faults`` JSON: ``{"kind": "fail"|"server_error"|"rate_limit"|"delay"|"reset",
        "method": ..., "match": {arg: value, ...}, ...the keyword arguments of that method}``."""
        try:
            spec = json.loads(await request.read())
            kind = spec.pop("kind")
            if kind == "reset":
                self.reset_faults()
                return web.json_response({"ok": True})
            method = spec.pop("method")
            match = spec.pop("match", None)
            if match is not None:
                spec["when"] = lambda args: all(args.get(k) == v for k, v in match.items())
            injectors: dict[str, Callable[..., None]] = {
                "fail": self.fail,
                "server_error": self.server_error,
                "rate_limit": self.rate_limit,
                "delay": self.delay,
            }
            injectors[kind](method, **spec)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return web.json_response({"ok": False, "error": f"invalid_fault: {exc}"}, status=400)
        return web.json_response({"ok": True})

    # --- shared helpers

    def _next_serial(self) -> int:
        self._serial += 1
        return self._serial

    def _next_ts(self) -> str:
        """A Slack message timestamp: unique and increasing, ``"1700000000.000100"``-shaped."""
        micros = max(time.time_ns() // 1000, self._last_ts_micros + 1)
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _dm_user(self, channel_id: str) -> str | None:
        if channel_id.startswith("D") and channel_id[1:] in self.users:
            return channel_id[1:]
        return None

    def _visible_channel(self, channel_id: Any) -> bool:
        """A channel the bot can see: public, or private with the bot among its members."""
        if not isinstance(channel_id, str) or channel_id not in self.channels:
            return False
        private = self.channels[channel_id]["is_private"]
        return not private or self.bot_user_id in self.channel_members[channel_id]

    def _is_conversation(self, channel_id: Any) -> bool:
        return self._visible_channel(channel_id) or (
            isinstance(channel_id, str) and self._dm_user(channel_id) is not None
        )

    def _dm_error(self, user_id: str) -> str | None:
        user = self.users.get(user_id)
        if user is None:
            return "user_not_found"
        if user["is_bot"]:
            return "cannot_dm_bot"
        if user["deleted"]:
            return "user_disabled"
        return None

    def _resolve_post_target(self, channel: Any) -> tuple[str | None, str | None]:
        """(conversation id, error) for a chat.postMessage ``channel``: id, user id or name."""
        if not isinstance(channel, str) or not channel:
            return None, "channel_not_found"
        if self._visible_channel(channel):
            return (
                (None, "is_archived") if self.channels[channel]["is_archived"] else (channel, None)
            )
        user_id = self._dm_user(channel) or (channel if channel in self.users else None)
        if user_id is not None:
            error = self._dm_error(user_id)
            if error == "user_disabled":  # a DM with a deactivated account is archived
                return None, "is_archived"
            return (None, error) if error else (self.dm_channel_id(user_id), None)
        by_name = self._channel_names.get(channel.removeprefix("#"))
        if by_name is not None and self._visible_channel(by_name):
            return by_name, None
        return None, "channel_not_found"

    def _content_error(self, args: JsonDict, *, require_content: bool = True) -> JsonDict | None:
        blocks = args.get("blocks")
        if blocks is not None:
            if not isinstance(blocks, list):
                return _error("invalid_blocks_format")
            errors = block_kit_errors(blocks, max_blocks=_MAX_MESSAGE_BLOCKS)
            if errors:
                return _error("invalid_blocks", *errors)
        attachments = args.get("attachments")
        if attachments is not None and not isinstance(attachments, list):
            return _error("invalid_attachments")
        text = args.get("text")
        if require_content and not text and not blocks and not attachments:
            return _error("no_text")
        if isinstance(text, str) and len(text) > _MAX_MESSAGE_TEXT:
            return _error("msg_too_long")
        return None

    def _new_message(self, args: JsonDict) -> JsonDict:
        message: JsonDict = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.workspace_id,
            "text": args.get("text") or "",
            "ts": self._next_ts(),
        }
        for name in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(name) is not None:
                message[name] = args[name]
        return message

    def _store_message(self, channel_id: str, message: JsonDict) -> None:
        self.messages.setdefault(channel_id, []).append(message)
        self._message_index[(channel_id, message["ts"])] = message

    # --- Web API methods

    def _oauth_v2_access(self, args: JsonDict) -> JsonDict:
        """The OAuth code exchange: any ``code`` from ``new_oauth_code`` installs the bot."""
        code = args.get("code")
        if not isinstance(code, str) or code not in self.oauth_codes:
            return _error("invalid_code")
        self.oauth_codes.discard(code)
        return {
            "ok": True,
            "access_token": self.bot_token,
            "token_type": "bot",
            "scope": "commands,chat:write,im:write,users:read,channels:read,groups:read",
            "bot_user_id": self.bot_user_id,
            "app_id": self.app_id,
            "team": {"id": self.workspace_id, "name": self.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "UINSTALLER"},
        }

    def new_oauth_code(self) -> str:
        """A one-time code, as Slack hands to the redirect URL after "Allow"."""
        code = f"code-{self._next_serial()}-{secrets.token_hex(4)}"
        self.oauth_codes.add(code)
        return code

    def _auth_test(self, args: JsonDict) -> JsonDict:
        return {
            "ok": True,
            "url": self.url,
            "team": self.team_name,
            "user": self.users[self.bot_user_id]["name"],
            "team_id": self.workspace_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _members_of(self, channel_id: Any) -> list[str] | None:
        if not isinstance(channel_id, str):
            return None
        if self._visible_channel(channel_id):
            return self.channel_members[channel_id]
        user_id = self._dm_user(channel_id)
        return [user_id, self.bot_user_id] if user_id else None

    def _conversations_members(self, args: JsonDict) -> JsonDict:
        members = self._members_of(args.get("channel"))
        if members is None:
            return _error("channel_not_found")
        limit = _as_int(args.get("limit", _DEFAULT_MEMBERS_PAGE))
        if limit is None:
            return _error("invalid_limit")
        limit = min(max(limit, 1), _MAX_MEMBERS_PAGE) if limit > 0 else _DEFAULT_MEMBERS_PAGE
        cursor = args.get("cursor") or ""
        offset = _decode_cursor(cursor) if cursor else 0
        if offset is None or offset > len(members):
            return _error("invalid_cursor")
        end = offset + limit
        next_cursor = _encode_cursor(end) if end < len(members) else ""
        return {
            "ok": True,
            "members": members[offset:end],
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _im_object(self, channel_id: str, user_id: str) -> JsonDict:
        return {
            "id": channel_id,
            "created": int(time.time()),
            "is_im": True,
            "is_org_shared": False,
            "user": user_id,
            "is_user_deleted": self.users[user_id]["deleted"],
            "priority": 0,
        }

    def _conversations_info(self, args: JsonDict) -> JsonDict:
        channel_id = args.get("channel")
        if isinstance(channel_id, str) and self._visible_channel(channel_id):
            channel = dict(self.channels[channel_id])
            members = self.channel_members[channel_id]
            channel["is_member"] = self.bot_user_id in members
            if _truthy(args.get("include_num_members")):
                channel["num_members"] = len(members)
            return {"ok": True, "channel": channel}
        user_id = self._dm_user(channel_id) if isinstance(channel_id, str) else None
        if user_id is None:
            return _error("channel_not_found")
        return {"ok": True, "channel": self._im_object(self.dm_channel_id(user_id), user_id)}

    def _users_info(self, args: JsonDict) -> JsonDict:
        user = self.users.get(args.get("user") or "")
        return {"ok": True, "user": user} if user is not None else _error("user_not_found")

    def _conversations_open(self, args: JsonDict) -> JsonDict:
        user_ids = _split_ids(args.get("users"))
        channel = args.get("channel")
        if not user_ids:
            if channel is None:
                return _error("users_list_not_supplied")
            if not self._is_conversation(channel) and channel not in self._mpims.values():
                return _error("channel_not_found")
            return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": channel}}
        if len(user_ids) > _MAX_MPIM_USERS:
            return _error("too_many_users")
        for user_id in user_ids:
            error = self._dm_error(user_id)
            if error:
                return _error(error)
        if len(user_ids) > 1:
            return self._open_mpim(user_ids)
        user_id = user_ids[0]
        channel_id = self.dm_channel_id(user_id)
        already_open = user_id in self.opened_dms
        self.opened_dms[user_id] = channel_id
        body: JsonDict = {"ok": True}
        if already_open:
            body.update({"no_op": True, "already_open": True})
        body["channel"] = (
            self._im_object(channel_id, user_id)
            if _truthy(args.get("return_im"))
            else {"id": channel_id}
        )
        return body

    def _open_mpim(self, user_ids: list[str]) -> JsonDict:
        key = tuple(sorted({*user_ids, self.bot_user_id}))
        channel_id = self._mpims.get(key)
        already_open = channel_id is not None
        if channel_id is None:
            channel_id = "G" + hashlib.sha1(",".join(key).encode()).hexdigest()[:10].upper()
            self._mpims[key] = channel_id
            name = "mpdm-" + "--".join(self.users[user]["name"] for user in key) + "-1"
            self.add_channel(channel_id, name=name, members=list(key), is_private=True)
            self.channels[channel_id].update({"is_mpim": True, "is_group": False})
        body: JsonDict = {"ok": True, "channel": {"id": channel_id}}
        if already_open:
            body.update({"no_op": True, "already_open": True})
        return body

    def _chat_post_message(self, args: JsonDict) -> JsonDict:
        channel_id, error = self._resolve_post_target(args.get("channel"))
        if error or channel_id is None:
            return _error(error or "channel_not_found")
        content_error = self._content_error(args)
        if content_error:
            return content_error
        message = self._new_message(args)
        self._store_message(channel_id, message)
        return {"ok": True, "channel": channel_id, "ts": message["ts"], "message": message}

    def _chat_update(self, args: JsonDict) -> JsonDict:
        channel_id, ts = args.get("channel"), args.get("ts")
        if not self._is_conversation(channel_id):
            return _error("channel_not_found")
        message = self._message_index.get((str(channel_id), str(ts)))
        if message is None:
            return _error("message_not_found")
        if not any(args.get(name) is not None for name in ("text", "blocks", "attachments")):
            return _error("no_text")
        content_error = self._content_error(args, require_content=False)
        if content_error:
            return content_error
        # Slack keeps blocks/attachments the update leaves out; an empty list removes them.
        for name in ("text", "blocks", "attachments", "metadata"):
            if args.get(name) is not None:
                message[name] = args[name]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel_id,
            "ts": ts,
            "text": message["text"],
            "message": message,
        }

    def _chat_post_ephemeral(self, args: JsonDict) -> JsonDict:
        channel_id, error = self._resolve_post_target(args.get("channel"))
        if error or channel_id is None:
            return _error(error or "channel_not_found")
        user_id = args.get("user")
        members = self._members_of(channel_id) or []
        if user_id not in members:
            return _error("user_not_in_channel")
        content_error = self._content_error(args)
        if content_error:
            return content_error
        ts = self._next_ts()
        self.ephemerals.append(
            {
                "channel": channel_id,
                "user": user_id,
                "text": args.get("text") or "",
                "blocks": args.get("blocks"),
                "ts": ts,
            }
        )
        return {"ok": True, "message_ts": ts}

    def _view_record(self, view: JsonDict, *, view_id: str, root_view_id: str) -> JsonDict:
        record: JsonDict = {
            "id": view_id,
            "team_id": self.workspace_id,
            "type": view["type"],
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": root_view_id,
            "previous_view_id": None,
            "app_id": self.app_id,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": self.workspace_id,
            "bot_id": self.bot_id,
        }
        for name in ("title", "submit", "close"):
            record[name] = view.get(name)
        self.views[view_id] = record
        return record

    def _views_open(self, args: JsonDict) -> JsonDict:
        trigger_id = args.get("trigger_id")
        if not trigger_id:
            return _error("invalid_arguments", "[ERROR] missing required field: trigger_id")
        if trigger_id in self._used_triggers:
            return _error("exchanged_trigger_id")
        view = args.get("view")
        errors = view_errors(view)
        if errors:
            return _error("invalid_arguments", *errors)
        if not isinstance(view, dict) or view.get("type") != "modal":
            return _error("invalid_arguments", "[ERROR] must be modal [json-pointer:/view/type]")
        self._used_triggers.add(trigger_id)
        view_id = f"V{self._next_serial():010d}"
        return {"ok": True, "view": self._view_record(view, view_id=view_id, root_view_id=view_id)}

    def _find_view(self, args: JsonDict) -> JsonDict | None:
        view_id, external_id = args.get("view_id"), args.get("external_id")
        if view_id:
            return self.views.get(view_id)
        if external_id:
            return next(
                (view for view in self.views.values() if view["external_id"] == external_id), None
            )
        return None

    def _views_update(self, args: JsonDict) -> JsonDict:
        if not args.get("view_id") and not args.get("external_id"):
            return _error("invalid_arguments", "[ERROR] missing required field: view_id")
        current = self._find_view(args)
        if current is None:
            return _error("not_found")
        if args.get("hash") and args["hash"] != current["hash"]:
            return _error("hash_conflict")
        view = args.get("view")
        errors = view_errors(view)
        if errors:
            return _error("invalid_arguments", *errors)
        assert isinstance(view, dict)
        record = self._view_record(
            view, view_id=current["id"], root_view_id=current["root_view_id"]
        )
        for user_id, home in self.home_views.items():
            if home["id"] == record["id"]:
                self.home_views[user_id] = record
        return {"ok": True, "view": record}

    def _views_publish(self, args: JsonDict) -> JsonDict:
        user_id = args.get("user_id")
        if not user_id:
            return _error("invalid_arguments", "[ERROR] missing required field: user_id")
        if user_id not in self.users:
            return _error("user_not_found")
        view = args.get("view")
        errors = view_errors(view)
        if errors:
            return _error("invalid_arguments", *errors)
        if not isinstance(view, dict) or view.get("type") != "home":
            return _error("invalid_arguments", "[ERROR] must be home [json-pointer:/view/type]")
        current = self.home_views.get(user_id)
        if current is not None and args.get("hash") and args["hash"] != current["hash"]:
            return _error("hash_conflict")
        view_id = current["id"] if current else f"V{self._next_serial():010d}"
        record = self._view_record(view, view_id=view_id, root_view_id=view_id)
        self.home_views[user_id] = record
        return {"ok": True, "view": record}

    def _files_get_upload_url(self, args: JsonDict) -> JsonDict:
        filename = args.get("filename")
        length = _as_int(args.get("length"))
        if not filename:
            return _error("invalid_arguments", "[ERROR] missing required field: filename")
        if length is None or length <= 0:
            return _error("invalid_arguments", "[ERROR] missing required field: length")
        file_id = f"F{self._next_serial():010d}"
        key = f"{file_id}-{secrets.token_hex(8)}"
        self._upload_keys[key] = file_id
        self._pending_files[file_id] = {
            "name": filename,
            "length": length,
            "alt_txt": args.get("alt_txt"),
        }
        return {"ok": True, "upload_url": f"{self.url}upload/v1/{key}", "file_id": file_id}

    def _files_complete_upload(self, args: JsonDict) -> JsonDict:
        entries = args.get("files")
        if not isinstance(entries, list) or not entries:
            return _error("invalid_arguments", "[ERROR] missing required field: files")
        channel_ids = _split_ids(args.get("channels"))
        if args.get("channel_id"):
            channel_ids.insert(0, str(args["channel_id"]))
        for channel_id in channel_ids:
            if not self._is_conversation(channel_id):
                return _error("channel_not_found")
        for entry in entries:
            file_id = entry.get("id") if isinstance(entry, dict) else None
            if file_id not in self._pending_files or file_id not in self.uploads:
                return _error("file_not_found")
        now = int(time.time())
        files = []
        for entry in entries:
            file_id = entry["id"]
            pending = self._pending_files[file_id]
            name = pending["name"]
            mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            url_private = f"{self.url}files-pri/{self.workspace_id}-{file_id}/{name}"
            file: JsonDict = {
                "id": file_id,
                "created": now,
                "timestamp": now,
                "name": name,
                "title": entry.get("title") or name,
                "mimetype": mimetype,
                "filetype": name.rpartition(".")[2].lower() if "." in name else "binary",
                "user": self.bot_user_id,
                "user_team": self.workspace_id,
                "editable": False,
                "size": len(self.uploads[file_id]),
                "mode": "hosted",
                "is_external": False,
                "is_public": any(
                    channel in self.channels and not self.channels[channel]["is_private"]
                    for channel in channel_ids
                ),
                "url_private": url_private,
                "url_private_download": url_private + "?download=1",
                "permalink": f"{self.url}files/{self.bot_user_id}/{file_id}/{name}",
                "channels": [c for c in channel_ids if c in self.channels],
                "ims": [c for c in channel_ids if c not in self.channels],
                "groups": [],
                "alt_txt": pending.get("alt_txt"),
            }
            self.files[file_id] = file
            files.append(file)
        for channel_id in channel_ids:
            share = self._new_message(
                {"text": args.get("initial_comment") or "", "thread_ts": args.get("thread_ts")}
            )
            share.update({"files": files, "upload": True, "display_as_bot": False})
            self._store_message(channel_id, share)
        return {"ok": True, "files": files}


# --- runner: ``python -m bot.sandbox.fakeslack``


def _parse_options(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot.sandbox.fakeslack",
        description="Serve a fake Slack Web API with a generated team; prints its base URL.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--users", type=int, default=200, help="people in the team channel")
    parser.add_argument("--channel", default="CTEAM", help="id of the team channel")
    parser.add_argument("--token", default="xoxb-fake-bot-token", help="the bot token accepted")
    parser.add_argument(
        "--delay-post",
        type=float,
        default=0.0,
        help="seconds each chat.postMessage answer is held back",
    )
    return parser.parse_args(argv)


async def serve(options: argparse.Namespace) -> None:
    """Serve until SIGINT or SIGTERM, after printing the base URL on one flushed line."""
    fake = FakeSlack(host=options.host, port=options.port, bot_token=options.token)
    fake.add_generated_team(users=options.users, channel_id=options.channel)
    if options.delay_post > 0:
        fake.delay("chat.postMessage", options.delay_post)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    async with fake:
        print(fake.base_url, flush=True)
        await stopping.wait()


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m bot.sandbox.fakeslack``."""
    asyncio.run(serve(_parse_options(argv)))


if __name__ == "__main__":
    main()
