"""One aiohttp app served on a local port, as the sandbox's servers do (the fake Slack, the fake
Bot Connector, the app for Teams): start, the URL, stop, and ``async with``."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from aiohttp import web


class LocalServer:
    """Serves what ``start`` builds, with ``serve``, until ``stop``; an async context manager.

    Subclasses implement ``start`` (build the app, then ``await self.serve(app)``).
    """

    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        raise NotImplementedError

    async def serve(self, app: web.Application, *, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve ``app`` on ``host``:``port`` (0: a free one); its root URL, without a slash."""
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        self._runner = runner
        served_host, served_port = runner.addresses[0][:2]
        return f"http://{served_host}:{served_port}"

    @property
    def serving(self) -> bool:
        return self._runner is not None

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
