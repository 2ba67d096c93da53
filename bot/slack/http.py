"""The HTTP edge: signature check, body sanity, then hand the request to Bolt.

Slack signs every request with HMAC-SHA256 over ``v0:{timestamp}:{body}``. A missing, forged or
stale signature (more than five minutes off), or a timestamp that is not a number, gets 401
before anything is parsed; a signed body that is not what Slack sends gets 400. Every request,
refused or not, is counted by its kind and status (``bot.metrics``).

The server's own routes live here too: ``GET /healthz`` and, behind a bearer token,
``GET /metrics`` for Prometheus.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.metrics import CONTENT_TYPE, SLACK, Metrics
from bot.slack.installs import INSTALL_PATH, REDIRECT_PATH
from bot.slack.payloads import kind_of, well_formed
from bot.slack.signing import RequestVerifier
from storage.db import Database
from storage.migrate import current_revision, head_revision

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
# A database that takes longer than this to say its schema version is not ready to serve.
READY_TIMEOUT_SECONDS = 5.0
# A scrape does not wait longer than this for the database (the gauge keeps its last value).
METRICS_READ_SECONDS = 2.0


def slack_route(
    *, bolt: Callable[[], AsyncApp], verifier: RequestVerifier, metrics: Metrics
) -> web.RouteDef:
    """``POST /slack/events``: commands, interactivity and events.

    Args:
        bolt: returns the Bolt app (created at start-up, after the routes).
        verifier: checks each request's signature (with the app's clock).
        metrics: counts each request by kind and status, and times it.
    """

    async def slack_events(request: web.Request) -> web.StreamResponse:
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="request body too large")
        if not verifier.is_signed(body=body, headers=request.headers):
            log.warning("rejected a request with a missing, invalid or stale signature")
            return web.Response(status=401, text="invalid signature")
        if not well_formed(body, request.content_type):
            log.info("refused a signed request of an unexpected shape (%d bytes)", len(body))
            return web.Response(status=400, text="malformed request")
        log.debug("accepted a signed %s request (%d bytes)", request.content_type, len(body))
        bolt_request = AsyncBoltRequest(
            body=body.decode("utf-8"),
            query=request.query_string,
            headers=dict(request.headers),
        )
        try:
            response = await bolt().async_dispatch(bolt_request)
        except Exception as exc:  # a signed payload of a shape Bolt cannot route
            log.warning("could not dispatch a signed request: %s", type(exc).__name__)
            return web.Response(status=400, text="unexpected payload")
        return await to_aiohttp_response(response)

    async def counted(request: web.Request) -> web.StreamResponse:
        with metrics.timed_request(platform=SLACK) as seen:
            try:
                # Read once here: aiohttp keeps the body for slack_events.
                seen.kind = kind_of(await request.read(), request.content_type)
            except web.HTTPRequestEntityTooLarge:
                seen.status = 413
                return web.Response(status=413, text="request body too large")
            response = await slack_events(request)
            seen.status = response.status
            return response

    return web.post("/slack/events", counted)


def oauth_routes(*, bolt: Callable[[], AsyncApp]) -> list[web.RouteDef]:
    """``GET /slack/install`` and ``GET /slack/oauth_redirect``: Bolt's OAuth flow."""

    async def install(request: web.Request) -> web.StreamResponse:
        flow = bolt().oauth_flow
        assert flow is not None
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def redirect(request: web.Request) -> web.StreamResponse:
        flow = bolt().oauth_flow
        assert flow is not None
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    return [web.get(INSTALL_PATH, install), web.get(REDIRECT_PATH, redirect)]


def health_routes(*, db: Callable[[], Database | None]) -> list[web.RouteDef]:
    """``GET /healthz`` (liveness) and ``GET /readyz`` (readiness).

    ``/healthz`` answers 200 while the process runs: a database outage is no reason to restart
    it (it waits the outage out). ``/readyz`` answers 200 only when the process can serve: it has
    started, the database answers and its schema is this version's; else 503 with the reason
    (a load balancer sends its requests elsewhere meanwhile).

    Args:
        db: the running app's database; None while it starts (migrating the database).
    """
    expected = head_revision()

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def readyz(_request: web.Request) -> web.Response:
        database = db()
        if database is None:
            return _not_ready("starting: migrating the database")
        try:
            revision = await asyncio.wait_for(current_revision(database), READY_TIMEOUT_SECONDS)
        except Exception as exc:  # refused, timed out: not ready, whatever the driver said
            log.warning("not ready: the database is unreachable (%s)", type(exc).__name__)
            return _not_ready("database unreachable")
        if revision != expected:
            return _not_ready(f"database schema is {revision}, this version needs {expected}")
        return web.json_response({"ok": True})

    return [web.get("/healthz", healthz), web.get("/readyz", readyz)]


def _not_ready(reason: str) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=503)


def metrics_routes(
    *, metrics: Metrics, token: str, pending: Callable[[], Awaitable[int]]
) -> list[web.RouteDef]:
    """``GET /metrics``: Prometheus' text format, to ``Authorization: Bearer <token>`` only.

    Without a token there is no route (404). A wrong or missing bearer token gets 401.

    Args:
        metrics: the app's metrics.
        token: ``SDO_METRICS_TOKEN`` (compared in constant time; never logged).
        pending: reads the pending deliveries (the gauge) at each scrape; when the database
            does not answer in time, the scrape goes on with the last value read.
    """
    if not token:
        return []
    expected = token.encode()

    async def scrape(request: web.Request) -> web.Response:
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if not (
            scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), expected)
        ):
            return web.Response(
                status=401, text="unauthorized", headers={"WWW-Authenticate": "Bearer"}
            )
        try:
            async with asyncio.timeout(METRICS_READ_SECONDS):
                metrics.pending(await pending())
        except Exception as exc:
            log.warning(
                "could not read the pending deliveries for /metrics: %s", type(exc).__name__
            )
        return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE})

    return [web.get("/metrics", scrape)]
