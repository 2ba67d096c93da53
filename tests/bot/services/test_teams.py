"""Teams and their people through the use cases, on both databases."""

from __future__ import annotations

from bot.clock import FrozenClock
from bot.domain.views import ManagerAdded, ManagerRefusal, PersonInfo, Role
from bot.services import Services
from storage.db import Database

WS = "T1"
LEAD = PersonInfo("ULEAD", "lead", "Europe/Berlin")
DEV = PersonInfo("UDEV", "dev", "America/New_York")
BOT = PersonInfo("UBOT", "helper bot", is_human=False)
ADMIN = PersonInfo("UADMIN", "admin", is_admin=True)


async def test_setup_registers_the_channels_humans_and_makes_the_caller_a_manager(
    db: Database, clock: FrozenClock
) -> None:
    services = Services(db=db, clock=clock)

    team, created, size = await services.teams.setup(
        workspace_id=WS, channel_id="C1", channel_name="alpha", caller=LEAD, people=[LEAD, DEV, BOT]
    )
    again, created_again, size_again = await services.teams.setup(
        workspace_id=WS, channel_id="C1", channel_name="alpha-renamed", caller=DEV, people=[DEV]
    )

    assert (created, size, created_again, size_again) == (True, 2, False, 1)
    assert (team.name, team.tz, again.name) == ("alpha", "Europe/Berlin", "alpha-renamed")
    assert await services.teams.managers(team=again) == ["UDEV", "ULEAD"]
    assert await services.teams.member_count(team=again) == 1  # the rerun refreshed members
    runs = await services.rounds.next_runs(team=team)
    assert runs is not None
    assert runs.pulse_at is not None  # armed at setup: the first pulse cannot be missed
    assert runs.pulse_at > clock.now()


async def test_roles_admin_over_manager_over_member_over_none(
    db: Database, clock: FrozenClock
) -> None:
    services = Services(db=db, clock=clock)
    team, _, _ = await services.teams.setup(
        workspace_id=WS, channel_id="C1", channel_name="alpha", caller=LEAD, people=[LEAD, DEV]
    )

    async def role(user_id: str, *, admin: bool = False) -> Role:
        return await services.teams.role(
            workspace_id=WS, team=team, user_id=user_id, platform_admin=admin
        )

    assert await role("ULEAD") is Role.MANAGER
    assert await role("UDEV") is Role.MEMBER
    assert await role("UNOBODY") is Role.NONE
    assert await role("UNOBODY", admin=True) is Role.ADMIN
    assert await services.teams.role(workspace_id=WS, team=None, user_id="ULEAD") is Role.NONE
    assert await services.teams.can_view_all(workspace_id=WS, user_id="ULEAD")
    assert not await services.teams.can_view_all(workspace_id=WS, user_id="UDEV")


async def test_a_team_always_keeps_a_manager(db: Database, clock: FrozenClock) -> None:
    services = Services(db=db, clock=clock)
    team, _, _ = await services.teams.setup(
        workspace_id=WS, channel_id="C1", channel_name="alpha", caller=LEAD, people=[LEAD, DEV]
    )

    last = await services.teams.remove_manager(team=team, user_id="ULEAD")
    added = await services.teams.add_manager(team=team, user_id="UDEV", person=DEV)
    added_again = await services.teams.add_manager(team=team, user_id="UDEV", person=DEV)
    removed = await services.teams.remove_manager(team=team, user_id="ULEAD")
    not_one = await services.teams.remove_manager(team=team, user_id="ULEAD")

    assert (last, removed, not_one) == (False, True, False)
    assert (added, added_again) == (ManagerAdded(True, "dev"), ManagerAdded(False, "dev"))
    assert await services.teams.managers(team=team) == ["UDEV"]


async def test_only_active_people_the_platform_knows_become_managers(
    db: Database, clock: FrozenClock
) -> None:
    services = Services(db=db, clock=clock)
    team, _, _ = await services.teams.setup(
        workspace_id=WS, channel_id="C1", channel_name="alpha", caller=LEAD, people=[LEAD, DEV]
    )
    gone = PersonInfo("UGONE", "gone", is_human=False, deleted=True)

    refused = [
        await services.teams.add_manager(team=team, user_id=user_id, person=person)
        for user_id, person in (("UBOT", BOT), ("UGONE", gone), ("UNOPE", None))
    ]

    assert refused == [
        ManagerAdded(False, "helper bot", ManagerRefusal.BOT),
        ManagerAdded(False, "gone", ManagerRefusal.DEACTIVATED),
        ManagerAdded(False, None, ManagerRefusal.UNKNOWN),
    ]
    assert await services.teams.managers(team=team) == ["ULEAD"]


async def test_membership_follows_humans_joining_and_leaving_team_channels(
    db: Database, clock: FrozenClock
) -> None:
    services = Services(db=db, clock=clock)
    team, _, _ = await services.teams.setup(
        workspace_id=WS, channel_id="C1", channel_name="alpha", caller=LEAD, people=[LEAD]
    )

    joined = await services.teams.member_joined(workspace_id=WS, channel_id="C1", person=DEV)
    bot = await services.teams.member_joined(workspace_id=WS, channel_id="C1", person=BOT)
    elsewhere = await services.teams.member_joined(workspace_id=WS, channel_id="C9", person=ADMIN)
    assert await services.teams.member_count(team=team) == 2
    left = await services.teams.member_left(workspace_id=WS, channel_id="C1", user_id="UDEV")
    left_again = await services.teams.member_left(workspace_id=WS, channel_id="C1", user_id="UDEV")

    assert (joined, bot, elsewhere, left, left_again) == (True, False, False, True, False)
    assert await services.teams.member_count(team=team) == 1


async def test_an_event_is_processed_once_and_a_forgotten_workspace_has_no_teams(
    db: Database, clock: FrozenClock
) -> None:
    services = Services(db=db, clock=clock)
    await services.teams.setup(
        workspace_id=WS, channel_id="C1", channel_name="alpha", caller=LEAD, people=[LEAD]
    )

    first = await services.teams.first_event(workspace_id=WS, event_id="Ev1")
    again = await services.teams.first_event(workspace_id=WS, event_id="Ev1")
    await services.teams.forget_workspace(workspace_id=WS)

    assert (first, again) == (True, False)
    assert await services.teams.for_channel(workspace_id=WS, channel_id="C1") is None
