"""The ``sdo`` command: ``serve``, ``demo``, ``keygen``, ``db upgrade``, ``forget``, ``export``
and ``teams-package``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings

if TYPE_CHECKING:
    from bot.domain.export import ExportRow


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sdo", description="SDO Pulse: customer pulse surveys in Slack and Microsoft Teams."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the Slack app (HTTP on $PORT, or Socket Mode)")
    serve.add_argument(
        "--socket-mode",
        action="store_true",
        help="connect over Socket Mode with SLACK_APP_TOKEN (no public URL)",
    )
    serve.add_argument("--port", type=int, default=None, help="override $PORT")

    demo = sub.add_parser("demo", help="simulate three teams offline and print what Slack shows")
    demo.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder for the demo database (default: a new temporary folder)",
    )
    demo.add_argument(
        "--platform",
        choices=("slack", "teams"),
        default="slack",
        help="show it in Slack (default) or in Microsoft Teams, through a fake of each",
    )
    demo.add_argument(
        "--realistic",
        action="store_true",
        help="the fake Slack enforces Slack's rate-limit tiers and a 100 ms ± 30 ms latency",
    )

    sub.add_parser("keygen", help="print a new SDO_ENCRYPTION_KEY (encrypts stored tokens)")

    teams = sub.add_parser("teams-package", help="build the Teams app package (a zip to upload)")
    teams.add_argument(
        "--out",
        type=Path,
        default=Path("sdo-pulse-teams.zip"),
        help="where to write the zip (default: sdo-pulse-teams.zip)",
    )
    teams.add_argument(
        "--app-id",
        default=None,
        help="the Azure Bot's Microsoft App ID (default: $MICROSOFT_APP_ID)",
    )
    teams.add_argument(
        "--public-url",
        default=None,
        help="the https:// address of `sdo serve` (default: $SDO_PUBLIC_URL)",
    )

    forget = sub.add_parser(
        "forget",
        help="delete one person's answers, notes and records in a workspace (docs/privacy.md)",
    )
    forget.add_argument("--workspace", required=True, help="the workspace id (T…, msteams:…)")
    forget.add_argument("--user", required=True, help="the person's user id (U…, 29:…)")

    export = sub.add_parser(
        "export",
        help="write the teams' round aggregates (never an individual answer) to a file",
    )
    export.add_argument("--workspace", required=True, help="the workspace id (T…, msteams:…)")
    export.add_argument(
        "--team", default=None, help="only the team of this channel id (C…, 19:…); default: all"
    )
    export.add_argument("--format", choices=("csv", "json"), default="csv", help="default: csv")
    export.add_argument("--out", required=True, help="the file to write (- for stdout)")

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations to SDO_DATABASE_URL")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"sdo: {exc}", file=sys.stderr)
        return 2
    # The demo prints what people read in Slack; its server's own log stays quiet unless asked.
    quiet = args.command == "demo" and "SDO_LOG_LEVEL" not in os.environ
    logging.basicConfig(
        level="WARNING" if quiet else settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if quiet:  # slack_sdk says at INFO that it waits out each 429 (``--realistic``)
        logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    try:
        if args.command == "keygen":
            from cryptography.fernet import Fernet

            print(Fernet.generate_key().decode())
        elif args.command == "demo":
            return _demo(args)
        elif args.command == "db":
            from storage.db import Database
            from storage.migrate import upgrade

            async def _upgrade() -> None:
                db = Database(settings.database_url)
                try:
                    await upgrade(db)
                finally:
                    await db.dispose()

            asyncio.run(_upgrade())
            print("database is up to date")
        elif args.command in ("forget", "export"):
            return _personal_data(settings, args)
        elif args.command == "teams-package":
            _teams_package(args)
        elif args.command == "serve":
            from bot.server import serve

            serve(settings, socket_mode=args.socket_mode, port=args.port)
    except ConfigError as exc:
        print(f"sdo: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


def _demo(args: argparse.Namespace) -> int:
    if args.platform == "teams":
        if args.realistic:
            print("sdo: --realistic is for the Slack demo only", file=sys.stderr)
            return 2
        from bot.sandbox.teams_demo import run_teams_demo

        asyncio.run(run_teams_demo(sys.stdout, args.out))
    else:
        from bot.sandbox.demo import run_demo

        asyncio.run(run_demo(sys.stdout, args.out, realistic=args.realistic))
    return 0


async def _export_rows(
    settings: Settings, *, workspace_id: str, channel_id: str | None
) -> list[ExportRow] | None:
    from bot.clock import SystemClock
    from bot.services import Services
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        return await Services(db=db, clock=SystemClock()).export.workspace(
            workspace_id=workspace_id, channel_id=channel_id
        )
    finally:
        await db.dispose()


async def _forget(settings: Settings, *, workspace_id: str, user_id: str) -> str:
    """A data subject request: delete what is stored about the person; what was deleted."""
    from bot.clock import SystemClock
    from bot.services import Services
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        forgotten = await Services(db=db, clock=SystemClock()).retention.forget(
            workspace_id=workspace_id, user_id=user_id
        )
    finally:
        await db.dispose()
    return f"{user_id} in {workspace_id}: {forgotten.describe()}"


def _personal_data(settings: Settings, args: argparse.Namespace) -> int:
    """``forget`` (one person's data deleted) and ``export`` (aggregates only, never theirs)."""
    if args.command == "forget":
        print(asyncio.run(_forget(settings, workspace_id=args.workspace, user_id=args.user)))
        return 0
    return _export(settings, args)


def _export(settings: Settings, args: argparse.Namespace) -> int:
    """The rounds of a workspace's teams (or one team) as CSV or JSON, to a file or stdout."""
    from bot.domain.export import to_csv, to_json

    rows = asyncio.run(_export_rows(settings, workspace_id=args.workspace, channel_id=args.team))
    if rows is None:
        print(f"sdo: channel {args.team} of {args.workspace} is no team", file=sys.stderr)
        return 1
    text = to_json(rows) if args.format == "json" else to_csv(rows)
    teams = len({row.channel for row in rows})
    if args.out == "-":
        sys.stdout.write(text)
        print(f"{len(rows)} rounds of {teams} teams", file=sys.stderr)
    else:
        # newline="": the CSV's own line ends (CRLF, as RFC 4180 has them) are written as they are.
        with open(args.out, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        print(f"wrote {len(rows)} rounds of {teams} teams to {args.out}")
    return 0


def _teams_package(args: argparse.Namespace) -> None:
    from bot.teams.package import NEXT_STEPS, build_package

    def flag_or_env(flag: str | None, name: str) -> str:
        return os.environ.get(name, "") if flag is None else flag

    path = build_package(
        app_id=flag_or_env(args.app_id, "MICROSOFT_APP_ID"),
        public_url=flag_or_env(args.public_url, "SDO_PUBLIC_URL"),
        out=args.out,
    )
    print(f"wrote {path}")
    print(NEXT_STEPS)


if __name__ == "__main__":
    raise SystemExit(main())
