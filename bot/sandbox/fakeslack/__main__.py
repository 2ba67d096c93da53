"""``python -m bot.sandbox.fakeslack``: serve a fake Slack with a generated team from a process.

Prints the Web API base URL on one flushed line once it listens, then serves until SIGINT or
SIGTERM; the tests and benchmarks of other processes read that line to find it.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Sequence

from bot.sandbox.fakeslack.server import FakeSlack


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
