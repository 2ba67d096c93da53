"""The real app serving Teams on a free port, with a fake Bot Connector behind it.

What ``sdo demo --platform teams``, the Teams tests and the Teams benchmarks start: the same
``build_web_app`` as ``sdo serve``, in the SDK's anonymous mode (the fake connector issues no
tokens), on a database of the caller's choosing, with a travelling clock::

    async with FakeTeams() as fake, TeamsApp(fake=fake, db_url=url) as app:
        async with TeamsSimulator(app.url, fake) as people:
            await people.install(team)
"""

from __future__ import annotations

from dataclasses import replace

from bot.config import Settings
from bot.sandbox.faketeams import FakeTeams
from bot.sandbox.serving import LocalServer
from bot.sandbox.simulator import TravelClock
from bot.server import RUNTIME_KEY, Runtime, build_web_app


class TeamsApp(LocalServer):
    """``build_web_app`` on 127.0.0.1 for Teams only (anonymous), until ``stop``.

    Args:
        fake: the fake connector (its service URL is what the activities name).
        db_url: the database.
        clock: the app's clock (default: a ``TravelClock`` at real time).
        settings: more settings (tick, concurrency…); Teams' own are set here.
    """

    def __init__(
        self,
        *,
        fake: FakeTeams,
        db_url: str,
        clock: TravelClock | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.fake = fake
        self.clock = clock or TravelClock()
        self.settings = replace(
            settings or Settings(tick_seconds=0),
            database_url=db_url,
            teams_allow_anonymous_unsafe=True,
            public_url="http://127.0.0.1",
        )
        self.url = ""

    async def start(self) -> None:
        self.web_app = build_web_app(self.settings, clock=self.clock)
        self.url = await self.serve(self.web_app)

    @property
    def runtime(self) -> Runtime:
        return self.web_app[RUNTIME_KEY]
