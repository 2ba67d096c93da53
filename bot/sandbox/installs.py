"""Fake workspaces installed as the OAuth flow would install them: their tokens in the store.

For benchmarks and tests that run the app in multi-workspace mode against a
``FakeSlackFleet``: seeding a thousand installs through a thousand browser round trips would
measure the install page, not what is under test.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from slack_sdk.oauth.installation_store import Installation

from bot.config import Settings
from bot.sandbox.fakeslack import FakeSlack
from bot.slack.installs import installation_store
from storage.db import Database


async def install_workspaces(settings: Settings, fakes: Iterable[FakeSlack]) -> int:
    """Store each fake workspace's bot as installed; returns how many.

    A workspace with token rotation on (``FakeSlack.rotate_tokens``) is stored with its refresh
    token and when its token expires, as the code exchange would have given them.

    Args:
        settings: the app's (its database, client id and encryption key).
        fakes: the workspaces, e.g. ``FakeSlackFleet.workspaces.values()``.
    """
    db = Database(settings.database_url)
    try:
        store = installation_store(settings, db.engine)
        count = 0
        for fake in fakes:
            left = fake.token_expires_in
            await store.async_save(
                Installation(
                    app_id=fake.app_id,
                    team_id=fake.workspace_id,
                    team_name=fake.team_name,
                    bot_token=fake.bot_token,
                    bot_refresh_token=fake.bot_refresh_token,
                    bot_token_expires_at=None if left is None else int(time.time()) + left,
                    bot_id=fake.bot_id,
                    bot_user_id=fake.bot_user_id,
                    bot_scopes=",".join(settings.slack_scopes),
                    user_id="UINSTALLER",
                )
            )
            count += 1
        return count
    finally:
        await db.dispose()
