"""The HTTP edge: signatures, stale and malformed requests, health."""

from __future__ import annotations

import time

import aiohttp
from aiohttp import web
from sqlalchemy import text

from bot.slack import http
from storage.migrate import head_revision
from tests.support.harness import SIGNING_SECRET, SlackHarness, sign
from tests.support.slack import MANAGER, TEAM_CHANNEL

FORM = "application/x-www-form-urlencoded"


async def stored_rows(slack: SlackHarness) -> int:
    async with slack.runtime.db.read() as s:
        total = 0
        for table in ("workspace", "team", "member", "manager", "round", "answer"):
            total += (await s.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
        return total


async def test_a_forged_signature_gets_401_and_changes_nothing(slack: SlackHarness) -> None:
    body = slack.command_body("setup", user=MANAGER, channel=TEAM_CHANNEL)
    forged = await slack.post_raw(
        body,
        {"Content-Type": FORM, **sign(body, secret="not-the-secret", timestamp=int(time.time()))},
    )
    assert forged.status == 401
    tampered_headers = sign(body, secret=SIGNING_SECRET)
    tampered = await slack.post_raw(
        body.replace(b"setup", b"pulse"), {"Content-Type": FORM, **tampered_headers}
    )
    assert tampered.status == 401
    missing = await slack.post_raw(body, {"Content-Type": FORM})
    assert missing.status == 401
    assert await stored_rows(slack) == 0
    assert slack.fake.calls == [] or all(c.method == "auth.test" for c in slack.fake.calls)


async def test_stale_and_non_numeric_timestamps_get_401(slack: SlackHarness) -> None:
    body = slack.command_body("setup", user=MANAGER, channel=TEAM_CHANNEL)
    stale = await slack.post_signed(body, FORM, timestamp=int(time.time()) - 301)
    assert stale.status == 401
    future = await slack.post_signed(body, FORM, timestamp=int(time.time()) + 301)
    assert future.status == 401
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": "soon",
        "X-Slack-Signature": sign(body, secret=SIGNING_SECRET)["X-Slack-Signature"],
    }
    non_numeric = await slack.post_raw(body, headers)
    assert non_numeric.status == 401
    assert await stored_rows(slack) == 0
    fresh = await slack.post_signed(body, FORM, timestamp=int(time.time()) - 200)
    assert fresh.status == 200


async def test_signed_but_malformed_bodies_get_400(slack: SlackHarness) -> None:
    cases = [
        (b"payload=%7Bnot-json", FORM),
        (b"payload=%5B1%2C2%5D", FORM),  # JSON, but not an object
        (b"hello=world", FORM),
        (b"{not json", "application/json"),
        (b'["a list"]', "application/json"),
        (b"\xff\xfe\x00", FORM),
    ]
    for body, content_type in cases:
        reply = await slack.post_signed(body, content_type)
        assert reply.status == 400, body
        assert "Traceback" not in reply.text
    assert await stored_rows(slack) == 0


async def test_oversized_bodies_get_413(slack: SlackHarness) -> None:
    body = b"command=%2Fsdo&text=" + b"x" * (1024 * 1024 + 10)
    reply = await slack.post_signed(body, FORM)
    assert reply.status == 413


async def test_healthz_says_the_process_is_up_and_readyz_that_it_can_serve(
    slack: SlackHarness,
) -> None:
    live, ready = await slack.get("/healthz"), await slack.get("/readyz")
    assert (live.status, live.json()) == (200, {"ok": True})
    assert (ready.status, ready.json()) == (200, {"ok": True})


async def test_readyz_is_503_while_the_schema_is_not_this_versions(slack: SlackHarness) -> None:
    # Another replica of another version migrating the shared database, for example.
    head = head_revision()
    async with slack.runtime.db.write() as s:
        await s.execute(text("UPDATE alembic_version SET version_num = '0006_older'"))
    reply = await slack.get("/readyz")
    assert (reply.status, reply.json()) == (
        503,
        {"ok": False, "error": f"database schema is 0006_older, this version needs {head}"},
    )
    assert (await slack.get("/healthz")).status == 200
    async with slack.runtime.db.write() as s:
        await s.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert (await slack.get("/readyz")).status == 200


async def test_readyz_is_503_while_the_app_starts() -> None:
    # Socket Mode opens its health port before the database is migrated; nothing runs yet.
    app = web.Application()
    app.router.add_routes(http.health_routes(db=lambda: None))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as client:
            async with client.get(f"http://127.0.0.1:{port}/readyz") as ready:
                assert (ready.status, await ready.json()) == (
                    503,
                    {"ok": False, "error": "starting: migrating the database"},
                )
            async with client.get(f"http://127.0.0.1:{port}/healthz") as live:
                assert live.status == 200
    finally:
        await runner.cleanup()


def test_signing_secret_is_the_one_under_test() -> None:
    # Guards the helper itself: a signature made with another secret must differ.
    assert (
        sign(b"x", secret=SIGNING_SECRET, timestamp=1)["X-Slack-Signature"]
        != sign(b"x", secret=SIGNING_SECRET + "!", timestamp=1)["X-Slack-Signature"]
    )
