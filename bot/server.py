"""`sdo serve`: the aiohttp server (or Socket Mode) around the app.

Slack is served at ``POST /slack/events`` when its secrets are set, Teams at
``POST /api/messages`` when its app id is (or its anonymous local mode): one server, one
database, one scheduler, whose platform routes each workspace to its adapter.

Start-up brings the database up to date, opens one aiohttp client session shared by every Web
API call, builds the one Slack context (gateway, platform, pictures, installs), the Teams
context when Teams is on, and starts the scheduler tick (``bot.delivery.scheduler``); shutdown
stops them in reverse order.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp

from bot.clock import Clock, FileClock, SystemClock
from bot.config import Settings
from bot.delivery.platform import ChatPlatform
from bot.delivery.routing import RoutedPlatform
from bot.delivery.scheduler import Scheduler
from bot.hooks.http import release_hook_route
from bot.logs import keep_payloads_out_of_logs
from bot.metrics import SLACK, TEAMS, Metrics
from bot.services import Services
from bot.slack import http
from bot.slack.app import create_app
from bot.slack.context import AppContext, slack_context
from bot.slack.signing import RequestVerifier
from bot.teams.addresses import WORKSPACE_PREFIX
from storage.db import Database
from storage.installations import TokenCipher
from storage.migrate import upgrade

if TYPE_CHECKING:
    # The Agents SDK (about 25 MB and a second of start-up) is imported only when Teams is on.
    from bot.teams.context import TeamsContext
    from bot.teams.host import TeamsHost

log = logging.getLogger(__name__)

RUNTIME_KEY: web.AppKey[Runtime] = web.AppKey("runtime")


@dataclass
class Runtime:
    """The live parts of a running server, created on start-up and closed on shutdown."""

    settings: Settings
    db: Database
    session: aiohttp.ClientSession
    services: Services
    slack: AppContext
    # None when Slack is not configured (a Teams-only server).
    bolt: AsyncApp | None
    scheduler: Scheduler
    # What /metrics shows (the HTTP edges, the platforms and the scheduler count into it).
    metrics: Metrics
    teams: TeamsContext | None = None


def clock_for(settings: Settings) -> Clock:
    """The system clock, or the shared clock file ``SDO_CLOCK_FILE`` names (simulations)."""
    if settings.clock_file:
        log.warning("using the clock file %s instead of the system clock", settings.clock_file)
        return FileClock(settings.clock_file)
    return SystemClock()


def new_metrics(settings: Settings) -> Metrics:
    """The app's one ``Metrics``, with a series per platform it serves."""
    return Metrics(
        platforms=[
            p for p, on in ((SLACK, settings.slack_enabled), (TEAMS, settings.teams_enabled)) if on
        ]
    )


def metrics_routes(
    settings: Settings, *, metrics: Metrics, runtime: Callable[[], Runtime]
) -> list[web.RouteDef]:
    """``GET /metrics`` when ``SDO_METRICS_TOKEN`` is set (none otherwise: 404); each scrape
    reads the pending deliveries from the running app's database."""
    return http.metrics_routes(
        metrics=metrics,
        token=settings.metrics_token,
        pending=lambda: runtime().services.ledger.pending(),
    )


async def start_runtime(
    settings: Settings,
    *,
    clock: Clock,
    teams: TeamsHost | None = None,
    metrics: Metrics | None = None,
) -> Runtime:
    keep_payloads_out_of_logs()
    metrics = metrics or new_metrics(settings)
    db = Database(settings.database_url)
    await upgrade(db)
    # The connection pool's limit is the cap on Web API calls in flight, all workspaces
    # together; a call waiting out a Retry-After holds no connection.
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=settings.max_in_flight))
    services = Services(db=db, clock=clock)
    if settings.encryption_key:
        # Release hook secrets are stored encrypted, like installation tokens.
        services.releases.use_cipher(TokenCipher(settings.encryption_key))
    slack = slack_context(
        settings, db=db, services=services, session=session, clock=clock, metrics=metrics
    )
    platform: ChatPlatform = slack.platform
    teams_ctx = None
    if teams is not None:
        from bot.teams.app import create_teams_app
        from bot.teams.context import teams_context

        teams_ctx = teams_context(
            settings, host=teams, db=db, services=services, clock=clock, metrics=metrics
        )
        create_teams_app(teams_ctx)
        platform = RoutedPlatform(
            default=slack.platform, by_prefix={WORKSPACE_PREFIX: teams_ctx.platform}
        )
    scheduler = Scheduler(settings=settings, services=services, platform=platform, metrics=metrics)
    scheduler.start()
    return Runtime(
        settings=settings,
        db=db,
        session=session,
        services=services,
        slack=slack,
        bolt=create_app(slack) if settings.slack_enabled else None,
        scheduler=scheduler,
        metrics=metrics,
        teams=teams_ctx,
    )


async def stop_runtime(runtime: Runtime) -> None:
    await runtime.scheduler.stop()
    if runtime.teams is not None:
        await runtime.teams.connector.aclose()
    await runtime.session.close()
    await runtime.db.dispose()


def _db_of(web_app: web.Application) -> Database | None:
    """The running app's database; None while it starts."""
    runtime = web_app.get(RUNTIME_KEY)
    return runtime.db if runtime is not None else None


def _bolt_of(web_app: web.Application) -> AsyncApp:
    bolt = web_app[RUNTIME_KEY].bolt
    assert bolt is not None, "the Slack routes exist only when Slack is on"
    return bolt


def _teams_of(web_app: web.Application) -> TeamsContext:
    teams = web_app[RUNTIME_KEY].teams
    assert teams is not None, "the Teams routes exist only when Teams is on"
    return teams


def build_web_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    """The aiohttp application: ``POST /slack/events`` (Slack on), ``POST /api/messages``
    (Teams on), ``GET /healthz``, ``GET /readyz`` and ``GET /metrics`` (``SDO_METRICS_TOKEN``
    set)."""
    clock = clock or clock_for(settings)
    settings.require_platform()
    web_app = web.Application(client_max_size=http.MAX_BODY_BYTES)
    web_app.router.add_routes(http.health_routes(db=lambda: _db_of(web_app)))
    metrics = new_metrics(settings)
    web_app.router.add_routes(
        metrics_routes(settings, metrics=metrics, runtime=lambda: web_app[RUNTIME_KEY])
    )
    if settings.slack_enabled:
        web_app.router.add_routes(
            [
                http.slack_route(
                    bolt=lambda: _bolt_of(web_app),
                    verifier=RequestVerifier(secret=settings.slack_signing_secret, clock=clock),
                    metrics=metrics,
                )
            ]
        )
    # Release webhooks (``/sdo release-hook``): platform-neutral, signed by each team's secret.
    web_app.router.add_routes(
        [release_hook_route(services=lambda: web_app[RUNTIME_KEY].services, metrics=metrics)]
    )
    if settings.oauth_enabled:
        web_app.router.add_routes(http.oauth_routes(bolt=lambda: _bolt_of(web_app)))
    host: TeamsHost | None = None
    if settings.teams_enabled:
        from bot.teams import http as teams_http
        from bot.teams.host import teams_host

        host = teams_host(settings)
        # The SDK's JWT check reads what to validate tokens against from the app, under this
        # string key (aiohttp would have an AppKey: the SDK's choice, not ours).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            web_app["agent_configuration"] = host.auth
        web_app.router.add_routes(
            teams_http.teams_routes(teams=lambda: _teams_of(web_app), metrics=metrics)
        )

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        app[RUNTIME_KEY] = await start_runtime(settings, clock=clock, teams=host, metrics=metrics)
        yield
        await stop_runtime(app[RUNTIME_KEY])

    web_app.cleanup_ctx.append(lifecycle)
    return web_app


def serve(settings: Settings, *, socket_mode: bool = False, port: int | None = None) -> None:
    """Run until interrupted."""
    if socket_mode:
        settings.require_slack(socket_mode=True)
    if socket_mode:
        asyncio.run(_serve_socket_mode(settings, port=port or settings.port))
    else:
        web.run_app(
            build_web_app(settings), port=port or settings.port, print=None, access_log=None
        )


async def _serve_socket_mode(settings: Settings, *, port: int) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    # The health port opens first: /readyz says "starting" while the database migrates.
    started: list[Runtime] = []  # the runtime, once it runs (a started app's state is frozen)
    health = web.Application()
    health.router.add_routes(http.health_routes(db=lambda: started[0].db if started else None))
    metrics = new_metrics(settings)
    health.router.add_routes(metrics_routes(settings, metrics=metrics, runtime=lambda: started[0]))
    runner = web.AppRunner(health, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, port=port).start()
    try:
        runtime = await start_runtime(settings, clock=clock_for(settings), metrics=metrics)
    except BaseException:
        await runner.cleanup()
        raise
    started.append(runtime)
    assert runtime.bolt is not None, "Socket Mode needs Slack (require_slack checked it)"
    handler = AsyncSocketModeHandler(runtime.bolt, settings.slack_app_token)
    try:
        await handler.start_async()  # type: ignore[no-untyped-call]
    finally:
        await runner.cleanup()
        await stop_runtime(runtime)
