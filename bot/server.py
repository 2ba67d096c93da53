"""`sdo serve`: the aiohttp server (or Socket Mode) around the Bolt app.

Start-up brings the database up to date, opens one aiohttp client session shared by every Web
API call and starts the scheduler tick (``bot.delivery.scheduler``); shutdown stops them in
reverse order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock, FileClock, SystemClock
from bot.config import Settings
from bot.delivery.pacing import PacingRateLimitRetryHandler, SendPacer
from bot.delivery.scheduler import Scheduler
from bot.logs import keep_payloads_out_of_logs
from bot.services.core import Services
from bot.slack import http, installs
from bot.slack.app import create_app
from bot.slack.context import AppContext
from bot.slack.gateway import SlackGateway
from bot.slack.pictures import Pictures
from storage.db import Database
from storage.migrate import upgrade

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 10

RUNTIME_KEY: web.AppKey[Runtime] = web.AppKey("runtime")


@dataclass
class Runtime:
    """The live parts of a running server, created on start-up and closed on shutdown."""

    settings: Settings
    db: Database
    session: aiohttp.ClientSession
    client: AsyncWebClient
    services: Services
    gateway: SlackGateway
    bolt: AsyncApp
    scheduler: Scheduler


def clock_for(settings: Settings) -> Clock:
    """The system clock, or the shared clock file ``SDO_CLOCK_FILE`` names (simulations)."""
    if settings.clock_file:
        log.warning("using the clock file %s instead of the system clock", settings.clock_file)
        return FileClock(settings.clock_file)
    return SystemClock()


def web_client(
    settings: Settings, session: aiohttp.ClientSession, *, pacer: SendPacer | None = None
) -> AsyncWebClient:
    """The one Web API client: honours 429 Retry-After and retries 5xx and dropped connections.

    Args:
        pacer: told of every 429 on ``chat.postMessage``, so the sends that follow are paced.
    """
    rate_limits = (
        PacingRateLimitRetryHandler(pacer=pacer, max_retry_count=RATE_LIMIT_RETRIES)
        if pacer
        else AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
    )
    return AsyncWebClient(
        token=settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        session=session,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=3),
            rate_limits,
            AsyncServerErrorRetryHandler(max_retry_count=3),
        ],
    )


async def start_runtime(settings: Settings, *, clock: Clock) -> Runtime:
    keep_payloads_out_of_logs()
    db = Database(settings.database_url)
    await upgrade(db)
    session = aiohttp.ClientSession()
    pacer = SendPacer()
    client = web_client(settings, session, pacer=pacer)
    services = Services(db=db, clock=clock)
    store = installs.installation_store(settings, db.engine) if settings.oauth_enabled else None
    gateway = SlackGateway(
        client=client,
        session=session,
        clock=clock,
        concurrency=settings.send_concurrency,
        tokens=installs.InstalledTokens(store=store, clock=clock) if store else None,
        pacer=pacer,
    )
    bolt = create_app(
        settings,
        services=services,
        gateway=gateway,
        installations=store,
        oauth=installs.oauth_settings(settings, store=store, engine=db.engine) if store else None,
    )
    scheduler = Scheduler(
        ctx=AppContext(
            settings=settings,
            services=services,
            gateway=gateway,
            pictures=Pictures(gateway=gateway),
            installations=store,
        )
    )
    scheduler.start()
    return Runtime(
        settings=settings,
        db=db,
        session=session,
        client=client,
        services=services,
        gateway=gateway,
        bolt=bolt,
        scheduler=scheduler,
    )


async def stop_runtime(runtime: Runtime) -> None:
    await runtime.scheduler.stop()
    await runtime.session.close()
    await runtime.db.dispose()


def build_web_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    """The aiohttp application: ``POST /slack/events`` and ``GET /healthz``."""
    clock = clock or clock_for(settings)
    settings.require_slack()
    web_app = web.Application(client_max_size=http.MAX_BODY_BYTES)

    web_app.router.add_routes(
        [
            http.slack_route(
                bolt=lambda: web_app[RUNTIME_KEY].bolt,
                secret=settings.slack_signing_secret,
                clock=clock,
            ),
            http.health_route(db=lambda: web_app[RUNTIME_KEY].db),
        ]
    )
    if settings.oauth_enabled:
        web_app.router.add_routes(http.oauth_routes(bolt=lambda: web_app[RUNTIME_KEY].bolt))

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        app[RUNTIME_KEY] = await start_runtime(settings, clock=clock)
        yield
        await stop_runtime(app[RUNTIME_KEY])

    web_app.cleanup_ctx.append(lifecycle)
    return web_app


def serve(settings: Settings, *, socket_mode: bool = False, port: int | None = None) -> None:
    """Run until interrupted."""
    settings.require_slack(socket_mode=socket_mode)
    if socket_mode:
        asyncio.run(_serve_socket_mode(settings, port=port or settings.port))
    else:
        web.run_app(
            build_web_app(settings), port=port or settings.port, print=None, access_log=None
        )


async def _serve_socket_mode(settings: Settings, *, port: int) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    runtime = await start_runtime(settings, clock=clock_for(settings))
    health = web.Application()
    health.router.add_routes([http.health_route(db=lambda: runtime.db)])
    runner = web.AppRunner(health, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, port=port).start()
    handler = AsyncSocketModeHandler(runtime.bolt, settings.slack_app_token)
    try:
        await handler.start_async()  # type: ignore[no-untyped-call]
    finally:
        await runner.cleanup()
        await stop_runtime(runtime)
