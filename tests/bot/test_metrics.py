"""``bot.metrics`` and the pieces around it: one registry per app, the token in the settings,
what kind of request a body is, and a scrape that outlives the database."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlencode

import prometheus_client
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import ConfigError, Settings
from bot.metrics import SLACK, TEAMS, Metrics
from bot.slack import http
from bot.slack.payloads import kind_of
from bot.teams.http import activity_kind
from tests.support.metrics import BEARER, TOKEN, Scrape

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def scrape(metrics: Metrics) -> Scrape:
    return Scrape.parse(metrics.exposition().decode())


def test_two_apps_count_apart_and_never_on_the_process_wide_registry() -> None:
    first, second = Metrics(), Metrics()
    first.dm_sent(SLACK)
    first.dm_sent(SLACK)
    second.limited(SLACK)

    assert scrape(first).value("sdo_dms_sent_total", platform="slack") == 2
    assert scrape(second).value("sdo_dms_sent_total", platform="slack") == 0
    assert scrape(first).value("sdo_rate_limited_total", platform="slack") == 0
    assert scrape(second).value("sdo_rate_limited_total", platform="slack") == 1
    default = prometheus_client.generate_latest(prometheus_client.REGISTRY).decode()
    assert "sdo_" not in default


def test_the_platforms_served_start_at_zero_and_no_other_appears() -> None:
    scraped = scrape(Metrics(platforms=(TEAMS,)))

    for name in ("sdo_dms_sent", "sdo_dms_failed", "sdo_rate_limited", "sdo_digests_posted"):
        assert scraped.has(f"{name}_total", platform="teams"), name
        assert not scraped.has(f"{name}_total", platform="slack"), name
    assert scraped.value("sdo_last_successful_tick_timestamp_seconds") == 0


def test_a_tick_with_an_error_is_timed_but_is_not_a_successful_one() -> None:
    metrics = Metrics(wall=lambda: 1_700_000_000.0)
    metrics.tick(seconds=0.2, opened=2, closed=1, ok=True)
    metrics.tick(seconds=30.0, opened=0, closed=0, ok=False)
    scraped = scrape(metrics)

    assert scraped.value("sdo_tick_duration_seconds_count") == 2
    assert scraped.value("sdo_tick_duration_seconds_sum") == pytest.approx(30.2)
    assert scraped.value("sdo_tick_duration_seconds_bucket", le="0.5") == 1
    assert scraped.value("sdo_rounds_opened_total") == 2
    assert scraped.value("sdo_rounds_closed_total") == 1
    assert scraped.value("sdo_last_successful_tick_timestamp_seconds") == 1_700_000_000.0


def test_a_request_that_raised_is_counted_as_a_500() -> None:
    metrics = Metrics()

    def broken_listener() -> None:
        with metrics.timed_request(platform=SLACK) as seen:
            seen.kind = "action"
            raise RuntimeError("a listener broke")

    with pytest.raises(RuntimeError):
        broken_listener()
    scraped = scrape(metrics)

    labels = {"platform": "slack", "kind": "action"}
    assert scraped.value("sdo_http_requests_total", status="500", **labels) == 1
    assert scraped.value("sdo_http_request_duration_seconds_count", **labels) == 1


# -- the token -----------------------------------------------------------------------------


def test_the_token_comes_from_the_environment_and_never_shows_in_repr() -> None:
    settings = Settings.from_env({"SDO_METRICS_TOKEN": f"  {TOKEN} "})

    assert settings.metrics_token == TOKEN
    assert TOKEN not in repr(settings)
    assert Settings.from_env({}).metrics_token == ""


@pytest.mark.parametrize("value", ["changeme", "secret", "<token>", "${SDO_METRICS_TOKEN}"])
def test_a_placeholder_token_stops_start_up_with_one_line(value: str) -> None:
    with pytest.raises(ConfigError, match="SDO_METRICS_TOKEN still holds a placeholder"):
        Settings.from_env({"SDO_METRICS_TOKEN": value})


# -- what a request is ---------------------------------------------------------------------


def _interaction(kind: str) -> bytes:
    return urlencode({"payload": json.dumps({"type": kind})}).encode()


@pytest.mark.parametrize(
    ("body", "content_type", "kind"),
    [
        (urlencode({"command": "/sdo", "text": "status"}).encode(), FORM, "command"),
        (_interaction("block_actions"), FORM, "action"),
        (_interaction("view_submission"), FORM, "view"),
        (_interaction("view_closed"), FORM, "view"),
        (_interaction("shortcut"), FORM, "shortcut"),
        (_interaction("something_new"), FORM, "unknown"),
        (json.dumps({"type": "event_callback", "event": {}}).encode(), JSON, "event"),
        (json.dumps({"type": "url_verification", "challenge": "c"}).encode(), JSON, "event"),
        (json.dumps(["not", "an", "object"]).encode(), JSON, "unknown"),
        (b"payload=%7Bnot+json", FORM, "unknown"),
        (b"\xff\xfe", FORM, "unknown"),
        (b"", FORM, "unknown"),
        (b"[" * 100_000, JSON, "unknown"),
    ],
)
def test_the_kind_of_a_slack_request_is_read_from_its_body(
    body: bytes, content_type: str, kind: str
) -> None:
    assert kind_of(body, content_type) == kind


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b'{"type": "message", "text": "setup"}', "message"),
        (b'{"type": "invoke", "name": "adaptiveCard/action"}', "invoke"),
        (b'{"type": "conversationUpdate"}', "conversationUpdate"),
        (b'{"type": "somethingElse"}', "other"),
        (b'{"type": 3}', "unknown"),
        (b"not json", "unknown"),
        (b"\xff", "unknown"),
    ],
)
def test_the_kind_of_a_teams_request_is_its_activity_type(body: bytes, kind: str) -> None:
    assert activity_kind(body) == kind


# -- the scrape ----------------------------------------------------------------------------


def _client(metrics: Metrics, box: list[object]) -> TestClient[web.Request, web.Application]:
    """``/metrics`` alone; ``box[0]`` is what the next read of the pending deliveries gives: a
    count, an error to raise, or ``"hang"`` (a database that does not answer)."""

    async def pending() -> int:
        answer = box[0]
        if isinstance(answer, BaseException):
            raise answer
        if answer == "hang":
            await asyncio.sleep(60)
        assert isinstance(answer, int)
        return answer

    app = web.Application()
    app.router.add_routes(http.metrics_routes(metrics=metrics, token=TOKEN, pending=pending))
    return TestClient(TestServer(app))


async def test_a_scrape_outlives_the_database_with_the_last_value_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(http, "METRICS_READ_SECONDS", 0.2)
    pending_box: list[object] = [3]
    async with _client(Metrics(), pending_box) as client:
        first = await client.get("/metrics", headers=BEARER)
        assert first.status == 200
        assert Scrape.parse(await first.text()).value("sdo_pending_deliveries") == 3

        for outage in (ConnectionRefusedError("database down"), "hang"):
            pending_box[0] = outage
            during = await client.get("/metrics", headers=BEARER)
            assert during.status == 200
            assert Scrape.parse(await during.text()).value("sdo_pending_deliveries") == 3

        pending_box[0] = 0
        after = await client.get("/metrics", headers=BEARER)
        assert Scrape.parse(await after.text()).value("sdo_pending_deliveries") == 0


def test_without_a_token_there_is_no_metrics_route() -> None:
    async def pending() -> int:
        return 0

    assert http.metrics_routes(metrics=Metrics(), token="", pending=pending) == []
