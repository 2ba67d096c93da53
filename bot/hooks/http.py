"""``POST /hooks/release/<team-key>``: a team's release webhook (GitHub, GitLab, or generic).

The key in the URL names the team (``/sdo release-hook``: unguessable, not the channel id);
the team's secret signs each request:

- **GitHub** (``X-GitHub-Event: release``): ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the
  body>``; acts on ``action == "published"``; the delivery id is ``X-GitHub-Delivery``.
- **GitLab** (``X-Gitlab-Event: Release Hook``): ``X-Gitlab-Token: <secret>``; acts on
  ``action == "create"``; the delivery id is ``X-Gitlab-Event-UUID``, else the project and
  release ids of the body.
- **Generic**: a JSON body ``{"name": "v2.3", "id": "…"}`` with ``X-SDO-Signature:
  sha256=<HMAC-SHA256 of the body>``.

An unknown key, a missing or wrong signature or token: 401, and nothing happens (no row, no
DM). A body over ``MAX_BODY_BYTES``: 413. A signed body that is not a JSON object, or a release
without a name or delivery id: 400. Other events and actions: 202, ignored (GitHub's ``ping``:
200). A new release: 202 (asked in the team's working hours, ``bot.services.releases``); a
delivery id seen before: 200, nothing new. The database out of reach: 503 with
``Retry-After`` (nothing recorded; the CI may deliver it again). Secrets, signatures and bodies
are never logged. Each request is counted in ``/metrics`` as ``platform="hooks"``,
``kind="release"``, by status.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.domain.releases import clean_name
from bot.metrics import HOOKS, Metrics
from bot.services import Services
from storage.db import DatabaseUnavailable

log = logging.getLogger(__name__)

PATH = "/hooks/release/{key}"
# As Slack's edge: GitHub's release event carries the release notes (up to 125,000 characters).
MAX_BODY_BYTES = 1024 * 1024
DELIVERY_ID_CHARS = 200
# What a CI is told to wait before delivering again while the database is out of reach.
RETRY_AFTER_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Report:
    """What a verified body reports: a release (name and delivery id), or why it is ignored."""

    source: str
    name: str | None = None
    delivery_id: str | None = None
    ignored: str | None = None
    malformed: str | None = None


def _hmac_ok(secret: str, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.strip().encode(), expected.encode())


def source_of(headers: Mapping[str, str]) -> str:
    if "X-GitHub-Event" in headers:
        return "github"
    if "X-Gitlab-Event" in headers:
        return "gitlab"
    return "generic"


def verified(source: str, secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether the request carries the team's signature (or GitLab's token), in constant time."""
    if source == "github":
        return _hmac_ok(secret, body, headers.get("X-Hub-Signature-256"))
    if source == "gitlab":
        token = headers.get("X-Gitlab-Token")
        return token is not None and hmac.compare_digest(token.encode(), secret.encode())
    return _hmac_ok(secret, body, headers.get("X-SDO-Signature"))


def _delivery_id(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    return text[:DELIVERY_ID_CHARS] if text else None


def _github(payload: dict[str, Any], headers: Mapping[str, str]) -> Report:
    event = headers.get("X-GitHub-Event", "")
    if event != "release":
        return Report("github", ignored=f"event {event[:40]}")
    if payload.get("action") != "published":
        return Report("github", ignored="action")
    release = payload.get("release")
    if not isinstance(release, dict):
        return Report("github", malformed="no release")
    name = clean_name(release.get("name")) or clean_name(release.get("tag_name"))
    delivery = _delivery_id(headers.get("X-GitHub-Delivery")) or _delivery_id(release.get("id"))
    return Report("github", name=name, delivery_id=delivery)


def _gitlab(payload: dict[str, Any], headers: Mapping[str, str]) -> Report:
    event = headers.get("X-Gitlab-Event", "")
    if event != "Release Hook":
        return Report("gitlab", ignored=f"event {event[:40]}")
    if payload.get("action") != "create":
        return Report("gitlab", ignored="action")
    name = clean_name(payload.get("name")) or clean_name(payload.get("tag"))
    delivery = _delivery_id(headers.get("X-Gitlab-Event-UUID"))
    if delivery is None:
        project = payload.get("project")
        project_id = project.get("id") if isinstance(project, dict) else None
        release_id = _delivery_id(payload.get("id"))
        if release_id is not None:
            delivery = f"{_delivery_id(project_id) or ''}:{release_id}"
    return Report("gitlab", name=name, delivery_id=delivery)


def report_of(source: str, payload: dict[str, Any], headers: Mapping[str, str]) -> Report:
    """What a verified JSON object reports (pure: tests call it with bodies of their own)."""
    if source == "github":
        return _github(payload, headers)
    if source == "gitlab":
        return _gitlab(payload, headers)
    return Report(
        "generic", name=clean_name(payload.get("name")), delivery_id=_delivery_id(payload.get("id"))
    )


def release_hook_route(
    *, services: Callable[[], Services], metrics: Metrics | None = None
) -> web.RouteDef:
    """``POST /hooks/release/<key>``.

    Args:
        services: returns the running app's services (created at start-up, after the routes).
        metrics: where each request is counted (None: not counted).
    """

    async def counted(request: web.Request) -> web.Response:
        if metrics is None:
            return await _answer(request, services())
        with metrics.timed_request(platform=HOOKS) as seen:
            seen.kind = "release"
            response = await _answer(request, services())
            seen.status = response.status
            return response

    return web.post(PATH, counted)


async def _answer(request: web.Request, services: Services) -> web.Response:
    try:
        return await _release_hook(request, services)
    except DatabaseUnavailable:
        log.warning("a release hook found the database unavailable: asked to retry")
        return web.Response(
            status=503,
            text="database unavailable: deliver it again in a moment",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


async def _release_hook(request: web.Request, services: Services) -> web.Response:
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return web.Response(status=413, text="request body too large")
    try:
        # The whole body (``content.read(n)`` may stop at a chunk: the signature would fail).
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return web.Response(status=413, text="request body too large")
    if len(body) > MAX_BODY_BYTES:
        return web.Response(status=413, text="request body too large")
    releases = services.releases
    found = await releases.by_key(request.match_info["key"])
    source = source_of(request.headers)
    if found is None or not verified(source, found[1], body, request.headers):
        log.warning("refused a release hook: unknown key or a missing or invalid signature")
        return web.Response(status=401, text="invalid signature")
    team, _ = found
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        return web.Response(status=400, text="malformed JSON")
    if source == "github" and request.headers.get("X-GitHub-Event") == "ping":
        return web.json_response({"ok": True, "pong": True})
    report = report_of(source, payload, request.headers)
    if report.ignored is not None:
        return web.json_response({"ok": True, "ignored": report.ignored}, status=202)
    if report.name is None or report.delivery_id is None:
        return web.Response(status=400, text="a release needs a name and a delivery id")
    received = await releases.receive(
        team=team, delivery_id=report.delivery_id, name=report.name, source=source
    )
    log.info("release hook (%s) for team %s: %s", source, team.id, received.outcome)
    answer: dict[str, Any] = {"ok": True, "release": received.outcome}
    if received.ask_at is not None:
        answer["ask_at"] = received.ask_at.isoformat()
    return web.json_response(answer, status=200 if received.outcome == "replay" else 202)
