"""Rate-limit tiers: token buckets per token (and per channel for chat.postMessage), over HTTP.

The buckets run on an injected clock, so the maths is exact and nothing sleeps (but one test,
which lets slack_sdk's own retry handler wait a real Retry-After out).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.fakeslack import SLACK_TIERS, FakeSlack, Limit, TierTable
from tests.bot.sandbox.fakeslack.support import error_of


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def limited(clock: Clock) -> AsyncIterator[FakeSlack]:
    """A fake with Slack's tiers on the test's clock, a team of 40 and a channel."""
    async with FakeSlack(tiers=SLACK_TIERS, monotonic=clock) as server:
        server.add_generated_team(users=40, channel_id="CTEAM")
        server.add_channel("COTHER", name="other", members=[server.bot_user_id])
        yield server


async def status_of(client: AsyncWebClient, method: str, **args: object) -> tuple[int, str]:
    """(HTTP status, Retry-After header or "") of one call."""
    try:
        await client.api_call(method, json=args)
    except SlackApiError as exc:
        return exc.response.status_code, exc.response.headers.get("Retry-After", "")
    return 200, ""


async def test_a_token_gets_its_burst_then_429s_with_the_wait_until_a_token(
    clock: Clock,
) -> None:
    table = TierTable(methods={"users.info": Limit(per_minute=30, burst=2)})  # one per 2 s
    async with FakeSlack(tiers=table, monotonic=clock) as fake:
        client = AsyncWebClient(token=fake.bot_token, base_url=fake.base_url)

        burst = [await status_of(client, "users.info", user=fake.bot_user_id) for _ in range(2)]
        empty = await error_of(client.users_info(user=fake.bot_user_id))
        clock.advance(1.5)  # 0.75 of a token
        almost = await status_of(client, "users.info", user=fake.bot_user_id)
        clock.advance(0.5)  # refused calls took nothing: exactly one token now
        refilled = await status_of(client, "users.info", user=fake.bot_user_id)
        again = await status_of(client, "users.info", user=fake.bot_user_id)

    assert burst == [(200, ""), (200, "")]
    assert empty.response.status_code == 429
    assert empty.response.headers["Retry-After"] == "2"
    assert empty.response.data == {"ok": False, "error": "ratelimited"}
    assert almost == (429, "1")
    assert refilled == (200, "")
    assert again == (429, "2")
    assert len(fake.calls_to("users.info")) == 3
    assert [c.error for c in fake.rate_limited] == ["ratelimited"] * 3
    assert [c.status for c in fake.requests] == [200, 200, 429, 429, 200, 429]


async def test_retry_after_is_at_least_one_second(clock: Clock) -> None:
    table = TierTable(methods={"users.info": Limit(per_minute=600, burst=1)})  # 0.1 s a token
    async with FakeSlack(tiers=table, monotonic=clock) as fake:
        client = AsyncWebClient(token=fake.bot_token, base_url=fake.base_url)

        first = await status_of(client, "users.info", user=fake.bot_user_id)
        second = await status_of(client, "users.info", user=fake.bot_user_id)

    assert (first, second) == ((200, ""), (429, "1"))


async def test_post_message_is_limited_per_channel_as_well(
    limited: FakeSlack, clock: Clock
) -> None:
    client = AsyncWebClient(token=limited.bot_token, base_url=limited.base_url)

    team = [await status_of(client, "chat.postMessage", channel="CTEAM", text="x") for _ in "1234"]
    other = await status_of(client, "chat.postMessage", channel="COTHER", text="x")
    dm = [await status_of(client, "chat.postMessage", channel="U00000001", text="x") for _ in "123"]
    # The user's id and the DM's id name one conversation: one bucket.
    same_dm = await status_of(client, "chat.postMessage", channel="DU00000001", text="x")
    clock.advance(1.0)
    later = await status_of(client, "chat.postMessage", channel="CTEAM", text="x")

    assert team == [(200, "")] * 3 + [(429, "1")]
    assert other == (200, "")
    assert dm == [(200, "")] * 3
    assert same_dm == (429, "1")
    assert later == (200, "")
    assert len(limited.messages["CTEAM"]) == 4


async def test_post_message_has_a_workspace_wide_limit_too(
    limited: FakeSlack, clock: Clock
) -> None:
    client = AsyncWebClient(token=limited.bot_token, base_url=limited.base_url)
    people = [f"U{n:08d}" for n in range(1, 32)]

    answers = [await status_of(client, "chat.postMessage", channel=u, text="hi") for u in people]
    clock.advance(0.1)  # 600 a minute: a token every 0.1 s
    next_one = await status_of(client, "chat.postMessage", channel=people[-1], text="hi")

    assert answers == [(200, "")] * 30 + [(429, "1")]
    assert next_one == (200, "")


async def test_limits_are_per_method(limited: FakeSlack) -> None:
    client = AsyncWebClient(token=limited.bot_token, base_url=limited.base_url)

    lists = [await status_of(client, "users.list") for _ in range(6)]  # Tier 2: burst 5
    info = await status_of(client, "users.info", user="U00000001")
    auth = await status_of(client, "oauth.v2.access", code="nope")  # not in the table

    assert lists == [(200, "")] * 5 + [(429, "3")]  # 20 a minute: 3 s a token
    assert info == (200, "")
    assert auth == (200, "")


async def test_refused_auth_is_not_limited_and_takes_no_token(clock: Clock) -> None:
    table = TierTable(methods={"users.info": Limit(per_minute=1, burst=1)})
    async with FakeSlack(tiers=table, monotonic=clock) as fake:
        stranger = AsyncWebClient(token="xoxb-stolen", base_url=fake.base_url)
        client = AsyncWebClient(token=fake.bot_token, base_url=fake.base_url)

        refused = [await status_of(stranger, "users.info", user="USLACKBOT") for _ in "12"]
        admitted = await status_of(client, "users.info", user="USLACKBOT")

    assert refused == [(200, "")] * 2  # ok: false, invalid_auth
    assert [c.error for c in fake.calls] == ["invalid_auth", "invalid_auth", None]
    assert admitted == (200, "")


async def test_without_tiers_nothing_is_limited(fake: FakeSlack, client: AsyncWebClient) -> None:
    answers = [await status_of(client, "users.list") for _ in range(30)]
    posts = [await status_of(client, "chat.postMessage", channel="CTEAM", text="x") for _ in "1234"]

    assert fake.tiers is None
    assert set(answers) == set(posts) == {(200, "")}
    assert fake.rate_limited == []


async def test_slack_sdk_waits_a_tier_429_out(limited: FakeSlack) -> None:
    client = AsyncWebClient(
        token=limited.bot_token,
        base_url=limited.base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    limited.enforce_tiers(table=SLACK_TIERS)  # on the real clock: the 4th waits 1 s

    posts = [await client.chat_postMessage(channel="CTEAM", text=str(n)) for n in range(4)]

    assert all(post["ok"] for post in posts)
    assert len(limited.rate_limited) == 1
    assert [m["text"] for m in limited.messages["CTEAM"]] == ["0", "1", "2", "3"]


async def test_tiers_are_switched_over_http(fake: FakeSlack) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(fake.url + "_faults", json={"kind": "tiers", "table": "slack"}):
            on = fake.tiers
        spec = {"kind": "tiers", "table": "slack", "factor": 2}
        async with session.post(fake.url + "_faults", json=spec):
            faster = fake.tiers
        async with session.post(fake.url + "_faults", json={"kind": "tiers", "table": None}):
            off = fake.tiers
        async with session.post(fake.url + "_faults", json={"kind": "tiers", "table": "x"}) as r:
            unknown = r.status

    assert on == SLACK_TIERS
    assert faster == SLACK_TIERS.scaled(2)
    assert off is None
    assert unknown == 400


def test_slack_tiers_follow_slacks_documentation() -> None:
    per_minute = {method: limit.per_minute for method, limit in SLACK_TIERS.methods.items()}

    assert per_minute["users.list"] == 20
    assert per_minute["conversations.info"] == per_minute["chat.update"] == 50
    assert per_minute["users.info"] == per_minute["views.publish"] == 100
    assert SLACK_TIERS.methods["chat.postMessage"] == Limit(per_minute=600, burst=30)
    assert SLACK_TIERS.per_channel == {"chat.postMessage": Limit(per_minute=60, burst=3)}
    assert "oauth.v2.access" not in SLACK_TIERS.methods


def test_a_scaled_table_changes_rates_not_bursts() -> None:
    fast = SLACK_TIERS.scaled(60)

    assert fast.methods["users.list"] == Limit(per_minute=1200, burst=5)
    assert fast.per_channel["chat.postMessage"] == Limit(per_minute=3600, burst=3)
    with pytest.raises(ValueError, match="positive"):
        SLACK_TIERS.scaled(0)
    with pytest.raises(ValueError, match="positive"):
        Limit(per_minute=10, burst=0)
