"""The package: its public API, and what importing it pulls in."""

from __future__ import annotations

import inspect
import subprocess
import sys

from bot import pictures

# What the rest of the bot calls (``venn.render_team(...)``): names and keyword-only arguments.
PUBLIC_API = {
    "alt_text_org": ["teams", "title"],
    "alt_text_team": ["region", "team_name", "round_label"],
    "alt_text_trend": ["regions", "team_name"],
    "render_org_map": ["teams", "title", "scale"],
    "render_team": ["region", "team_name", "round_label", "scale"],
    "render_trend": ["regions", "team_name", "scale"],
}


def test_the_package_exports_the_renderers_and_their_alt_texts() -> None:
    assert sorted(pictures.__all__) == sorted(PUBLIC_API)
    for name, arguments in PUBLIC_API.items():
        parameters = inspect.signature(getattr(pictures, name)).parameters.values()
        assert [p.name for p in parameters] == arguments, name
        assert all(p.kind is p.KEYWORD_ONLY for p in parameters), name


def test_the_pictures_package_imports_no_slack_http_or_storage() -> None:
    # ``import bot.pictures`` loads every module of the package.
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, bot.pictures; "
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            "{'slack_sdk', 'slack_bolt', 'aiohttp', 'storage', 'sqlalchemy', 'sqlmodel'}]; "
            "print(','.join(sorted(bad)))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == ""
