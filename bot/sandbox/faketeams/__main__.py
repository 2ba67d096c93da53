"""``python -m bot.sandbox.faketeams``: serve a fake Teams with a generated team from a process.

Prints the service URL on one flushed line once it listens, then serves until SIGINT or
SIGTERM; other processes read that line to find it, and ``GET /_directory`` (at the server's
root) for the team, its people and the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Sequence

from bot.sandbox.faketeams.server import FakeTeams


def _parse_options(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot.sandbox.faketeams",
        description="Serve a fake Teams Bot Connector with a generated team; prints its URL.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--members", type=int, default=200, help="people in the team")
    parser.add_argument("--channels", type=int, default=1, help="channels besides General")
    parser.add_argument("--team-name", default="Pulse Team")
    parser.add_argument("--page-size", type=int, default=500, help="most members a page holds")
    parser.add_argument(
        "--per-conversation-per-second",
        type=float,
        default=None,
        help="throttle message operations per conversation (429 beyond)",
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds every answer is held back"
    )
    return parser.parse_args(argv)


async def serve(options: argparse.Namespace) -> None:
    """Serve until SIGINT or SIGTERM, after printing the service URL on one flushed line."""
    fake = FakeTeams(host=options.host, port=options.port, max_page_size=options.page_size)
    fake.generate_team(members=options.members, name=options.team_name, channels=options.channels)
    if options.per_conversation_per_second:
        fake.limits(per_conversation_per_second=options.per_conversation_per_second)
    if options.latency > 0:
        fake.latency(options.latency)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    async with fake:
        print(fake.service_url, flush=True)
        await stopping.wait()


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m bot.sandbox.faketeams``."""
    asyncio.run(serve(_parse_options(argv)))


if __name__ == "__main__":
    main()
