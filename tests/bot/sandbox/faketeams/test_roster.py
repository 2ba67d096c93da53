"""Rosters, teams and channels, read through the SDK's clients and ``TeamsInfo``."""

from __future__ import annotations

from typing import Any

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient
from microsoft_agents.hosting.teams import TeamsInfo

from bot.sandbox.faketeams import FakeTeams, Team, User
from bot.sandbox.faketeams.activities import Place, message
from tests.bot.sandbox.faketeams.conftest import OPS_CHANNEL
from tests.bot.sandbox.faketeams.support import open_chat, refusal


async def test_paged_members_page_through_the_roster_with_continuation_tokens(
    fake: FakeTeams, client: TeamsConnectorClient
) -> None:
    team = fake.generate_team(members=250)
    conversations = client.conversations

    pages = [await conversations.get_conversation_paged_members(team.id, page_size=100)]
    while pages[-1].continuation_token:
        token = pages[-1].continuation_token
        pages.append(
            await conversations.get_conversation_paged_members(
                team.id, page_size=100, continuation_token=token
            )
        )

    ids = [member.id for page in pages for member in page.members]
    assert [len(page.members) for page in pages] == [100, 100, 50]
    assert ids == team.member_ids
    assert [c.query.get("pageSize") for c in fake.roster_requests] == ["100"] * 3
    assert [bool(c.query.get("continuationToken")) for c in fake.roster_requests] == [
        False,
        True,
        True,
    ]


async def test_the_page_size_is_capped() -> None:
    async with FakeTeams(max_page_size=40) as capped:
        team = capped.generate_team(members=90)
        connector = TeamsConnectorClient(endpoint=capped.service_url, token="")
        try:
            big = await connector.get_conversation_paged_member(team.id, 500, "")
            default = await connector.conversations.get_conversation_paged_members(team.id)
        finally:
            await connector.close()

    assert len(big.members) == 40
    assert len(default.members) == 40
    assert big.continuation_token


async def test_a_continuation_token_is_good_for_its_own_roster_only(
    fake: FakeTeams, client: TeamsConnectorClient
) -> None:
    first, second = fake.generate_team(members=3), fake.generate_team(members=3, name="Other")
    page = await client.get_conversation_paged_member(first.id, 1, "")
    assert page.continuation_token

    foreign = await refusal(
        client.get_conversation_paged_member(second.id, 1, page.continuation_token)
    )
    garbage = await refusal(client.get_conversation_paged_member(first.id, 1, "not-a-token"))
    zero = await refusal(client.get_conversation_paged_member(first.id, 0, ""))

    assert [foreign.status, garbage.status, zero.status] == [400, 400, 400]


async def test_a_member_is_found_by_id_or_object_id_and_an_unknown_one_raises(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    outsider = fake.add_user(name="Sam Outside")

    by_id = await client.get_conversation_member(team.id, ann.id)
    by_object_id = await client.conversations.get_conversation_member(
        OPS_CHANNEL, ann.aad_object_id
    )
    unknown = await refusal(client.get_conversation_member(team.id, "29:1nobody"))
    not_in_team = await refusal(client.get_conversation_member(team.id, outsider.id))

    assert by_id.model_dump(by_alias=True, exclude_none=True) == ann.account()
    assert by_id.user_role == "user"
    assert by_object_id.id == ann.id
    assert unknown.status == 404
    assert not_in_team.status == 404
    assert [c.error for c in fake.rejected] == ["MemberNotFoundInConversation"] * 2


async def test_channels_threads_and_the_team_all_name_the_teams_roster(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    thread = f"{OPS_CHANNEL};messageid=1700000000000"
    chat = await open_chat(client, ann)

    rosters = [
        [m.id for m in await client.conversations.get_conversation_members(conversation)]
        for conversation in (team.id, OPS_CHANNEL, thread)
    ]
    in_chat = await client.conversations.get_conversation_members(chat)
    unknown = await refusal(client.conversations.get_conversation_members("19:x@thread.tacv2"))

    assert rosters == [team.member_ids] * 3
    assert [m.id for m in in_chat] == [ann.id]
    assert unknown.status == 404
    assert fake.bot_id not in rosters[0]


async def test_team_details_and_channels_are_teams_shapes(
    client: TeamsConnectorClient, team: Team
) -> None:
    details = await client.fetch_team_details(team.id)
    channels = await client.fetch_channel_list(team.id)
    unknown = await refusal(client.fetch_team_details("19:none@thread.tacv2"))

    assert (details.id, details.name, details.member_count, details.channel_count) == (
        team.id,
        "Platform",
        2,
        2,
    )
    assert details.aad_group_id == team.aad_group_id
    # General's id is the team's, and Teams gives it no name.
    assert [(c.id, c.name) for c in channels] == [(team.id, None), (OPS_CHANNEL, "Channel 1")]
    assert unknown.status == 404


async def test_teams_info_reads_the_roster_of_the_team_an_activity_came_from(
    fake: FakeTeams, client: TeamsConnectorClient
) -> None:
    team = fake.generate_team(members=120)
    sender = fake.users[team.member_ids[0]]
    place = Place.channel(service_url=fake.service_url, bot=fake.bot, team=team)
    incoming = Activity.model_validate(message(place, sender=sender, text="status"))
    context = TurnContext(_NoAdapter(), incoming)
    context.turn_state["ConnectorClient"] = client

    everyone = await TeamsInfo.get_paged_team_members(context, page_size=50)
    member = await TeamsInfo.get_member(context, sender.id)
    details = await TeamsInfo.get_team_details(context)
    channels = await TeamsInfo.get_team_channels(context)

    assert [m.id for m in everyone.members] == team.member_ids
    assert len(fake.calls_to("paged_members")) == 3
    assert member.email == sender.email
    assert details.member_count == 120
    assert [c.id for c in channels] == [team.id]


class _NoAdapter:
    """A stand-in adapter: TeamsInfo only needs the turn's connector client."""

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)
