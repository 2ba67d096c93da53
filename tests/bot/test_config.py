"""Settings from the environment, and the one line that stops start-up when a secret is not set."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot.clock import FileClock, SystemClock
from bot.config import DEFAULT_SLACK_API_URL, ConfigError, Settings, is_placeholder
from bot.server import clock_for
from storage.db import DEFAULT_DATABASE_URL

BOT_TOKEN = "xoxb-1111-2222-realBotToken"
SIGNING_SECRET = "8f14e45fceea167a5a36dedd4bea2543"
APP_TOKEN = "xapp-1-A111-2222-realAppToken"
CLIENT_SECRET = "c1e2f3a4b5realClientSecret"
SINGLE = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
OAUTH = {
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    "SLACK_CLIENT_ID": "1111.2222",
    "SLACK_CLIENT_SECRET": CLIENT_SECRET,
    "SLACK_SCOPES": "commands, chat:write ,users:read,,",
}
APPS = "https://api.slack.com/apps"
WHERE_BOT = f"the Bot User OAuth Token (xoxb-…) on your app's OAuth & Permissions page at {APPS}."
WHERE_SIGNING = f"the Signing Secret on your app's Basic Information page at {APPS}."
WHERE_CLIENT = f"the Client Secret on your app's Basic Information page at {APPS}."
WHERE_APP = (
    "an app-level token (xapp-…) with connections:write, under Basic Information → App-Level "
    f"Tokens at {APPS}."
)


def test_scheduler_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {"SDO_TICK_SECONDS": "0.5", "SDO_SEND_LEASE_SECONDS": "10", "SDO_CLOCK_FILE": "/x/c"}
    )
    assert (settings.tick_seconds, settings.send_lease_seconds, settings.clock_file) == (
        0.5,
        10.0,
        "/x/c",
    )
    defaults = Settings.from_env({})
    # A DM leased by a process that died waits at most a lease and a tick: 25 s.
    assert (defaults.tick_seconds, defaults.send_lease_seconds, defaults.clock_file) == (
        10.0,
        15.0,
        None,
    )
    assert (defaults.parallel_workspaces, defaults.max_in_flight) == (64, 100)
    tuned = Settings.from_env({"SDO_PARALLEL_WORKSPACES": "8", "SDO_MAX_IN_FLIGHT": "20"})
    assert (tuned.parallel_workspaces, tuned.max_in_flight) == (8, 20)
    assert isinstance(clock_for(defaults), SystemClock)
    assert isinstance(clock_for(settings), FileClock)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SDO_SEND_LEASE_SECONDS": "often"}, "SDO_SEND_LEASE_SECONDS must be a number"),
        ({"SDO_TICK_SECONDS": "-1"}, "SDO_TICK_SECONDS must be 0 or more"),
        ({"SDO_SEND_LEASE_SECONDS": "0"}, "SDO_SEND_LEASE_SECONDS more than 0"),
    ],
)
def test_bad_scheduler_settings_stop_start_up_with_one_line(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_defaults_when_nothing_is_set() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert (settings.database_url, settings.slack_api_url) == (
        DEFAULT_DATABASE_URL,
        DEFAULT_SLACK_API_URL,
    )
    assert (settings.port, settings.send_concurrency, settings.log_level) == (3000, 8, "INFO")
    assert (settings.slack_scopes, settings.oauth_enabled, settings.encryption_key) == (
        (),
        False,
        "",
    )


def test_settings_are_read_and_tidied() -> None:
    settings = Settings.from_env(
        {
            **SINGLE,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SDO_DATABASE_URL": "postgresql+asyncpg://db/sdo",
            "SDO_SLACK_API_URL": "http://127.0.0.1:8080/api",
            "PORT": "8000",
            "SDO_SEND_CONCURRENCY": "32",
            "SDO_LOG_LEVEL": "debug",
        }
    )
    assert (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token) == (
        BOT_TOKEN,
        SIGNING_SECRET,
        APP_TOKEN,
    )
    assert settings.database_url == "postgresql+asyncpg://db/sdo"
    assert settings.slack_api_url == "http://127.0.0.1:8080/api/"  # one trailing slash
    assert (settings.port, settings.send_concurrency, settings.log_level) == (8000, 32, "DEBUG")


@pytest.mark.parametrize("value", ["0", "-4"])
def test_at_least_one_send_runs_at_a_time(value: str) -> None:
    assert Settings.from_env({"SDO_SEND_CONCURRENCY": value}).send_concurrency == 1


def test_empty_values_mean_the_default() -> None:
    settings = Settings.from_env(
        {
            "SDO_DATABASE_URL": "",
            "SDO_SLACK_API_URL": "",
            "SDO_CLOCK_FILE": "",
            "SDO_TICK_SECONDS": "0",
        }
    )
    assert (settings.database_url, settings.slack_api_url, settings.clock_file) == (
        DEFAULT_DATABASE_URL,
        DEFAULT_SLACK_API_URL,
        None,
    )
    assert settings.tick_seconds == 0.0  # the periodic tick off


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"PORT": "http"}, "PORT must be a whole number (it is 'http')"),
        ({"PORT": ""}, "PORT must be a whole number (it is '')"),
        ({"PORT": "80.5"}, "PORT must be a whole number (it is '80.5')"),
        (
            {"SDO_SEND_CONCURRENCY": "many"},
            "SDO_SEND_CONCURRENCY must be a whole number (it is 'many')",
        ),
        ({"SDO_MAX_IN_FLIGHT": "lots"}, "SDO_MAX_IN_FLIGHT must be a whole number (it is 'lots')"),
        ({"SDO_TICK_SECONDS": "soon"}, "SDO_TICK_SECONDS must be a number (it is 'soon')"),
    ],
)
def test_a_number_that_is_not_one_stops_start_up_naming_it(env: dict[str, str], line: str) -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(env)
    assert str(refused.value) == line


def test_oauth_is_on_with_the_client_id_secret_and_scopes_together() -> None:
    settings = Settings.from_env(OAUTH)
    assert settings.oauth_enabled
    assert settings.slack_scopes == ("commands", "chat:write", "users:read")
    settings.require_slack()  # no bot token needed: installs bring their own


def test_a_complete_single_workspace_setup_starts() -> None:
    Settings.from_env(SINGLE).require_slack()
    Settings.from_env({**SINGLE, "SLACK_APP_TOKEN": APP_TOKEN}).require_slack(socket_mode=True)


@pytest.mark.parametrize(
    ("env", "socket_mode", "message"),
    [
        ({}, False, f"SLACK_BOT_TOKEN is not set: set it to {WHERE_BOT}"),
        (
            {"SLACK_BOT_TOKEN": BOT_TOKEN},
            False,
            f"SLACK_SIGNING_SECRET is not set: set it to {WHERE_SIGNING}",
        ),
        (SINGLE, True, f"SLACK_APP_TOKEN is not set: set it to {WHERE_APP}"),
        (
            {**OAUTH, "SLACK_SIGNING_SECRET": ""},
            False,
            f"SLACK_SIGNING_SECRET is not set: set it to {WHERE_SIGNING}",
        ),
        (
            {**SINGLE, "SLACK_BOT_TOKEN": "xoxb-your-bot-token"},
            False,
            f"SLACK_BOT_TOKEN still holds a placeholder: set it to {WHERE_BOT}",
        ),
        (
            {**SINGLE, "SLACK_SIGNING_SECRET": "changeme"},
            False,
            f"SLACK_SIGNING_SECRET still holds a placeholder: set it to {WHERE_SIGNING}",
        ),
        (
            {**SINGLE, "SLACK_APP_TOKEN": "xapp-..."},
            True,
            f"SLACK_APP_TOKEN still holds a placeholder: set it to {WHERE_APP}",
        ),
        (
            {**OAUTH, "SLACK_CLIENT_SECRET": "<client secret>"},
            False,
            f"SLACK_CLIENT_SECRET still holds a placeholder: set it to {WHERE_CLIENT}",
        ),
    ],
)
def test_a_missing_or_placeholder_secret_stops_start_up_with_one_line(
    env: dict[str, str], socket_mode: bool, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(env).require_slack(socket_mode=socket_mode)
    assert str(raised.value) == message
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("oauth", "missing"),
    [
        ({"SLACK_CLIENT_ID": "1111.2222"}, "SLACK_CLIENT_SECRET, SLACK_SCOPES"),
        ({"SLACK_CLIENT_SECRET": CLIENT_SECRET}, "SLACK_CLIENT_ID, SLACK_SCOPES"),
        ({"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": CLIENT_SECRET}, "SLACK_SCOPES"),
        (
            {
                "SLACK_CLIENT_ID": "1111.2222",
                "SLACK_CLIENT_SECRET": CLIENT_SECRET,
                "SLACK_SCOPES": " , ",
            },
            "SLACK_SCOPES",
        ),
        ({"SLACK_CLIENT_ID": "1111.2222", "SLACK_SCOPES": "commands"}, "SLACK_CLIENT_SECRET"),
    ],
)
def test_the_oauth_settings_must_come_together(oauth: dict[str, str], missing: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({**SINGLE, **oauth}).require_slack()
    assert str(raised.value) == (
        f"{missing} not set: multi-workspace installs need SLACK_CLIENT_ID, SLACK_CLIENT_SECRET "
        "and SLACK_SCOPES (comma-separated bot scopes) together."
    )


@pytest.mark.parametrize("key", ["not-a-key", "x" * 44, Fernet.generate_key().decode()[:-2]])
def test_an_invalid_encryption_key_stops_start_up(key: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({**SINGLE, "SDO_ENCRYPTION_KEY": key}).require_slack()
    assert str(raised.value) == (
        "SDO_ENCRYPTION_KEY is not a valid key: use the output of `sdo keygen` "
        "(32 url-safe base64-encoded bytes)."
    )


def test_a_valid_encryption_key_starts() -> None:
    key = Fernet.generate_key().decode()
    settings = Settings.from_env({**SINGLE, "SDO_ENCRYPTION_KEY": key})
    settings.require_slack()
    assert settings.encryption_key == key


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "xxxx",
        "...",
        "<your token>",
        "${SLACK_BOT_TOKEN}",
        "changeme",
        "CHANGE-ME",
        "todo",
        "placeholder",
        "secret",
        "your-signing-secret",
        "your_token",
        "xoxb-xxxxxxxx",
        "xoxb-your-token",
        "xoxp-...",
        "xoxa-replace-me",
        "xoxb-changeme",
        "xapp-xxxx",
        "xapp-your-app-token",
        " changeme ",
    ],
)
def test_placeholders_from_examples_and_templates_are_recognised(value: str | None) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize(
    "value", [BOT_TOKEN, SIGNING_SECRET, APP_TOKEN, CLIENT_SECRET, "xoxb-123-456-abcdef", "s3cr3t"]
)
def test_real_looking_secrets_are_not_placeholders(value: str) -> None:
    assert not is_placeholder(value)


def test_secrets_never_appear_in_the_repr() -> None:
    key = Fernet.generate_key().decode()
    settings = Settings.from_env(
        {
            **OAUTH,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SDO_ENCRYPTION_KEY": key,
        }
    )
    shown = repr(settings)
    for secret in (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN, CLIENT_SECRET, key):
        assert secret not in shown
    assert "slack_client_id='1111.2222'" in shown  # what is no secret still shows
    assert "port=3000" in shown


def test_a_database_password_never_appears_in_the_repr() -> None:
    settings = Settings.from_env({"SDO_DATABASE_URL": "postgresql+asyncpg://sdo:hunter2@db/sdo"})
    assert "hunter2" not in repr(settings)


def test_half_an_oauth_set_up_is_named_before_any_bot_token() -> None:
    settings = Settings.from_env(
        {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": CLIENT_SECRET}
    )
    with pytest.raises(ConfigError) as refused:
        settings.require_slack()
    assert str(refused.value).startswith("SLACK_SCOPES not set: multi-workspace installs need")


TEAMS = {
    "MICROSOFT_APP_ID": "8f0f6d2a-3c4b-4e5f-9a1b-2c3d4e5f6a7b",
    "MICROSOFT_APP_PASSWORD": "a-client-secret-value-0123456789",
    "MICROSOFT_APP_TENANT_ID": "72f988bf-86f1-41af-91ab-2d7cd011db47",
    "SDO_PUBLIC_URL": "https://pulse.example.com/",
}


def test_teams_is_served_when_its_app_id_is_set_and_slack_is_not_needed() -> None:
    settings = Settings.from_env(TEAMS)
    assert settings.teams_enabled
    assert not settings.slack_enabled
    assert settings.public_url == "https://pulse.example.com"
    settings.require_platform()  # no Slack secret asked for
    assert TEAMS["MICROSOFT_APP_PASSWORD"] not in repr(settings)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({**TEAMS, "MICROSOFT_APP_PASSWORD": ""}, "MICROSOFT_APP_PASSWORD"),
        ({**TEAMS, "SDO_PUBLIC_URL": ""}, "SDO_PUBLIC_URL"),
        ({**TEAMS, "SDO_TEAMS_ALLOW_ANONYMOUS_UNSAFE": "1"}, "SDO_TEAMS_ALLOW_ANONYMOUS_UNSAFE"),
        ({}, "neither Slack nor Teams"),
    ],
)
def test_an_incomplete_teams_setup_stops_start_up_with_one_line(
    env: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(env).require_platform()
    message = str(refused.value)
    assert named in message
    assert "\n" not in message


def test_the_anonymous_mode_must_be_asked_for_by_its_unsafe_name() -> None:
    assert not Settings.from_env({"SDO_PUBLIC_URL": "http://127.0.0.1"}).teams_enabled
    local = Settings.from_env(
        {"SDO_TEAMS_ALLOW_ANONYMOUS_UNSAFE": "1", "SDO_PUBLIC_URL": "http://127.0.0.1"}
    )
    assert local.teams_enabled
    local.require_platform()


def test_the_retention_is_whole_days_and_unset_keeps_everything() -> None:
    assert Settings.from_env({}).retention_days is None
    assert Settings.from_env({"SDO_RETENTION_DAYS": ""}).retention_days is None
    assert Settings.from_env({"SDO_RETENTION_DAYS": " 365 "}).retention_days == 365


@pytest.mark.parametrize("value", ["0", "-30", "30d", "1.5", "forever"])
def test_a_bad_retention_stops_start_up_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^SDO_RETENTION_DAYS must be a whole number of days"):
        Settings.from_env({"SDO_RETENTION_DAYS": value})
