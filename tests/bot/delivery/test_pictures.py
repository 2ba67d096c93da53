"""The Venn pictures reach Slack: files v2 upload, image blocks, text-only when it fails."""

from __future__ import annotations

import asyncio
import io
import logging

import pytest
from PIL import Image

from bot.delivery.pictures import Pictures
from bot.delivery.platform import ImageRef
from bot.domain.circles import AnswerValue, Circle
from bot.domain.regions import Region
from bot.slack.blocks.render import render_message
from tests.support.harness import SlackHarness, eventually
from tests.support.slack import ALICE, BOB, MANAGER, OUTSIDER, TEAM_CHANNEL, answer
from tests.support.views import placed, team, team_status

UPLOAD_FLOW = ["files.getUploadURLExternal", "file_upload", "files.completeUploadExternal"]


def upload_calls(slack: SlackHarness) -> list[str]:
    return [c.method for c in slack.fake.calls if c.method in UPLOAD_FLOW]


def images(message: dict[str, object]) -> list[dict[str, object]]:
    blocks = message.get("blocks") or []
    assert isinstance(blocks, list)
    return [b for b in blocks if b.get("type") == "image"]


async def place_team_in_devops(slack: SlackHarness) -> None:
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    await slack.command_and_answer("pulse", user=MANAGER, channel=TEAM_CHANNEL)
    for user in (MANAGER, ALICE, BOB):
        await answer(slack, user, Circle.WHAT, AnswerValue.NO)
        await answer(slack, user, Circle.HOW, AnswerValue.YES)
        await answer(slack, user, Circle.DELIVER, AnswerValue.YES)


async def test_status_uploads_the_diagram_and_shows_it(slack: SlackHarness) -> None:
    await place_team_in_devops(slack)
    status = await slack.command_and_answer("status", user=MANAGER, channel=TEAM_CHANNEL)
    assert upload_calls(slack) == UPLOAD_FLOW  # the three calls, in order
    file_id = slack.fake.calls_to("files.completeUploadExternal")[0].args["files"][0]["id"]
    [block] = images(status)
    assert block["slack_file"] == {"id": file_id}
    # Screen readers hear the region in words.
    assert str(block["alt_text"]).startswith("Venn diagram for team, Round 1")
    assert "the team is in the region DevOps" in str(block["alt_text"])
    # What was uploaded is the real picture: a PNG of the rendered size.
    png = slack.fake.uploads[file_id]
    with Image.open(io.BytesIO(png)) as picture:
        assert picture.format == "PNG"
        assert picture.width >= 720
    # A second status of the same round reuses the upload.
    await slack.command_and_answer("status", user=ALICE, channel=TEAM_CHANNEL)
    assert upload_calls(slack) == UPLOAD_FLOW


async def test_a_burst_of_status_requests_uploads_the_picture_once(slack: SlackHarness) -> None:
    await place_team_in_devops(slack)
    askers = [MANAGER, ALICE, BOB] * 4

    answers = await asyncio.gather(
        *(slack.command_and_answer("status", user=u, channel=TEAM_CHANNEL) for u in askers)
    )

    assert upload_calls(slack) == UPLOAD_FLOW  # twelve answers, one picture uploaded
    file_id = slack.fake.calls_to("files.completeUploadExternal")[0].args["files"][0]["id"]
    assert [images(a)[0]["slack_file"] for a in answers] == [{"id": file_id}] * len(askers)


async def test_status_answers_in_text_when_the_upload_fails(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await place_team_in_devops(slack)
    slack.fake.fail("files.getUploadURLExternal", error="not_allowed_token_type")
    with caplog.at_level(logging.WARNING, logger="bot.delivery.pictures"):
        status = await slack.command_and_answer("status", user=MANAGER, channel=TEAM_CHANNEL)
    assert images(status) == []
    assert "== #team — DevOps ==" in render_message(status)
    assert any(
        "left out" in r.getMessage() and "not_allowed_token_type" in r.getMessage()
        for r in caplog.records
    )


async def test_digest_shows_the_round_and_org_status_shows_the_map(slack: SlackHarness) -> None:
    await place_team_in_devops(slack)
    await slack.command_and_answer("digest", user=MANAGER, channel=TEAM_CHANNEL)
    digest = slack.fake.messages[TEAM_CHANNEL][-1]
    [picture] = images(digest)
    assert "DevOps" in str(picture["alt_text"])
    overview = await slack.command_and_answer("status all", user=MANAGER, channel=TEAM_CHANNEL)
    [org] = images(overview)
    assert "DevOps" in str(org["alt_text"])
    assert "team" in str(org["alt_text"])
    assert len(slack.fake.calls_to("files.completeUploadExternal")) == 2


async def test_app_home_shows_each_teams_trend(slack: SlackHarness) -> None:
    await place_team_in_devops(slack)
    await slack.event({"type": "app_home_opened", "user": ALICE, "tab": "home", "event_ts": "1.0"})
    await eventually(lambda: bool(slack.fake.calls_to("views.publish")), what="home")
    view = slack.fake.calls_to("views.publish")[0].args["view"]
    [trend] = images(view)
    assert "DevOps" in str(trend["alt_text"])
    # Someone without teams gets no picture and no upload.
    await slack.event(
        {"type": "app_home_opened", "user": OUTSIDER, "tab": "home", "event_ts": "2.0"}
    )
    await eventually(lambda: len(slack.fake.calls_to("views.publish")) == 2, what="home 2")
    assert images(slack.fake.calls_to("views.publish")[1].args["view"]) == []


class _Host:
    """A picture host that keeps what it is given."""

    def __init__(self) -> None:
        self.uploads: list[tuple[bytes, str]] = []

    async def upload_picture(
        self, *, workspace_id: str, png: bytes, filename: str, title: str, alt_text: str
    ) -> ImageRef:
        self.uploads.append((png, alt_text))
        return ImageRef(f"F{len(self.uploads)}", alt_text, title)


async def test_the_org_map_of_many_teams_counts_them_and_how_they_moved() -> None:
    # 40 teams: 10 came to the Center from DevOps (its closed round before), 30 stayed Outside.
    statuses = [
        team_status(
            team(f"t{i:02d}", team_id=i + 1),
            last_closed=placed(Region.CENTER if i < 10 else Region.OUTSIDE, team_id=i + 1),
            history=[Region.DEVOPS, Region.CENTER] if i < 10 else [Region.OUTSIDE] * 2,
        )
        for i in range(40)
    ]
    host = _Host()
    picture = await Pictures(host=host).org(workspace="T1", statuses=statuses)
    assert picture is not None
    [(png, alt_text)] = host.uploads
    assert alt_text.startswith("All teams (40): map of 40 teams on the Venn diagram, counted")
    assert "Center: 10 teams (10 moved toward the center)." in alt_text
    assert "Outside: 30 teams." in alt_text
    assert "10 teams moved toward the center, 0 moved away and 30 held their distance" in alt_text
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
