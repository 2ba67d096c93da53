"""The fake's token rotation: the refresh grant of ``oauth.v2.access``, expiry, revocation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.fakeslack import FakeSlack, FakeSlackFleet

CLIENT = {"client_id": "1111.2222", "client_secret": "the-secret"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def fake(clock: Clock) -> AsyncIterator[FakeSlack]:
    async with FakeSlack(monotonic=clock) as server:
        yield server


async def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as refused:
        await call  # type: ignore[misc]
    return str(refused.value.response["error"])


async def test_the_refresh_grant_trades_the_pair_for_a_new_one_and_revokes_the_old(
    fake: FakeSlack,
) -> None:
    fake.rotate_tokens()
    old_token, old_refresh = fake.bot_token, fake.bot_refresh_token
    anonymous = AsyncWebClient(base_url=fake.base_url)

    granted = await anonymous.oauth_v2_access(
        **CLIENT, grant_type="refresh_token", refresh_token=old_refresh
    )

    assert granted["token_type"] == "bot"
    assert granted["access_token"].startswith("xoxe.xoxb-")
    assert granted["refresh_token"].startswith("xoxe-1-")
    assert granted["expires_in"] == 12 * 60 * 60
    assert (granted["access_token"], granted["refresh_token"]) == (
        fake.bot_token,
        fake.bot_refresh_token,
    )
    assert granted["team"]["id"] == fake.workspace_id
    new = AsyncWebClient(token=granted["access_token"], base_url=fake.base_url)
    assert (await new.auth_test())["ok"] is True
    old = AsyncWebClient(token=old_token, base_url=fake.base_url)
    assert await error_of(old.auth_test()) == "invalid_auth"
    again = anonymous.oauth_v2_access(
        **CLIENT, grant_type="refresh_token", refresh_token=old_refresh
    )
    assert await error_of(again) == "invalid_refresh_token"
    # The grant came with the app's client id and secret (HTTP Basic auth).
    (grant, _) = fake.calls_to("oauth.v2.access")
    assert (grant.args["client_id"], grant.args["grant_type"]) == ("1111.2222", "refresh_token")


async def test_a_token_past_its_expiry_is_answered_token_expired(
    fake: FakeSlack, clock: Clock
) -> None:
    fake.rotate_tokens(expires_in=600, current_expires_in=60)
    client = AsyncWebClient(token=fake.bot_token, base_url=fake.base_url)
    assert (await client.auth_test())["ok"] is True

    clock.now += 60
    assert await error_of(client.auth_test()) == "token_expired"
    refreshed = await AsyncWebClient(base_url=fake.base_url).oauth_v2_access(
        **CLIENT, grant_type="refresh_token", refresh_token=fake.bot_refresh_token
    )
    assert refreshed["expires_in"] == 600
    assert (await client.auth_test(token=refreshed["access_token"]))["ok"] is True
    fake.expire_token()
    assert await error_of(client.auth_test(token=refreshed["access_token"])) == "token_expired"


async def test_the_code_exchange_hands_out_the_refresh_token_and_the_grant_wants_the_app(
    fake: FakeSlack,
) -> None:
    anonymous = AsyncWebClient(base_url=fake.base_url)
    no_rotation = anonymous.oauth_v2_access(
        **CLIENT, grant_type="refresh_token", refresh_token="xoxe-1-x"
    )
    assert await error_of(no_rotation) == "token_rotation_not_enabled"
    fake.rotate_tokens(current_expires_in=1800)

    installed = await anonymous.oauth_v2_access(**CLIENT, code=fake.new_oauth_code())
    no_secret = anonymous.oauth_v2_access(
        client_id="1111.2222",
        client_secret="",
        grant_type="refresh_token",
        refresh_token=fake.bot_refresh_token,
    )

    assert (installed["access_token"], installed["refresh_token"], installed["expires_in"]) == (
        fake.bot_token,
        fake.bot_refresh_token,
        1800,
    )
    assert await error_of(no_secret) == "bad_client_secret"


async def test_a_fleet_routes_the_refresh_grant_and_the_new_token_to_their_workspace() -> None:
    async with FakeSlackFleet() as fleet:
        fleet.add_workspace(workspace_id="T1", bot_token="xoxb-one")
        two = fleet.add_workspace(workspace_id="T2", bot_token="xoxb-two")
        two.rotate_tokens()
        anonymous = AsyncWebClient(base_url=fleet.base_url)

        granted = await anonymous.oauth_v2_access(
            **CLIENT, grant_type="refresh_token", refresh_token=two.bot_refresh_token
        )
        new = AsyncWebClient(token=granted["access_token"], base_url=fleet.base_url)
        old = AsyncWebClient(token="xoxb-two", base_url=fleet.base_url)

        assert (await new.auth_test())["team_id"] == "T2"
        assert await error_of(old.auth_test()) == "invalid_auth"
        assert len(two.calls_to("oauth.v2.access")) == 1
