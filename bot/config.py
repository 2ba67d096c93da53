"""One Settings object, loaded once from the environment.

Start-up stops with one clear line when a required secret is missing or still a placeholder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cryptography.fernet import Fernet

from storage.db import DEFAULT_DATABASE_URL

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
APPS_PAGE = "https://api.slack.com/apps"

_PLACEHOLDER = re.compile(
    r"^(|x+|\.\.\.|<.*>|\$\{.*\}|changeme|change-me|todo|placeholder|secret|"
    r"your[-_ ].*|xox[abp]-(x+|your.*|\.\.\.|replace.*|changeme)|xapp-(x+|your.*|\.\.\.))$",
    re.IGNORECASE,
)

_WHERE = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-…) on your app's OAuth & Permissions "
    f"page at {APPS_PAGE}",
    "SLACK_SIGNING_SECRET": "the Signing Secret on your app's Basic Information page at "
    f"{APPS_PAGE}",
    "SLACK_CLIENT_SECRET": f"the Client Secret on your app's Basic Information page at {APPS_PAGE}",
    "SLACK_APP_TOKEN": "an app-level token (xapp-…) with connections:write, under Basic "
    f"Information → App-Level Tokens at {APPS_PAGE}",
}


class ConfigError(Exception):
    """A setting is missing or invalid. The message is one line, fit for the console."""


def _numbers[T: (int, float)](
    env: Mapping[str, str], parse: Callable[[str], T], defaults: Mapping[str, str], *, kind: str
) -> list[T]:
    """The variables ``defaults`` names, read with ``parse``; one clear line when one is not."""
    values = []
    for name, default in defaults.items():
        raw = env.get(name, default)
        try:
            values.append(parse(raw))
        except ValueError as exc:
            raise ConfigError(f"{name} must be {kind} (it is {raw!r})") from exc
    return values


def _retention_days(raw: str) -> int | None:
    """``SDO_RETENTION_DAYS``: unset or empty keeps answers for ever; else whole days, 1 or more."""
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(
            f"SDO_RETENTION_DAYS must be a whole number of days, 1 or more (it is {raw!r}); "
            "unset it to keep answers and notes"
        )
    return int(raw)


def is_placeholder(value: str | None) -> bool:
    return value is None or bool(_PLACEHOLDER.match(value.strip()))


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything SDO Pulse reads from its environment.

    Secrets are excluded from ``repr`` so they never reach a log line.
    """

    slack_bot_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    # May carry a database password.
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    port: int = 3000
    # Pulse DMs of one round in flight at once.
    send_concurrency: int = 8
    # Workspaces whose due rounds, reminders and digests are served at once by one tick.
    parallel_workspaces: int = 64
    # Slack Web API calls in flight at once, all workspaces together (the HTTP connection pool).
    max_in_flight: int = 100
    log_level: str = "INFO"
    # The scheduler tick: how often it looks for due work (0 turns the periodic tick off).
    tick_seconds: float = 10.0
    # How long a claimed pulse DM stays reserved for its sender (renewed every third of it
    # while the sender lives): after a crash, its DMs wait at most this plus one tick.
    send_lease_seconds: float = 15.0
    # A clock file (bot.clock.FileClock) in place of the system clock: simulations and tests.
    clock_file: str | None = None
    # Multi-workspace installs (OAuth): on when all three are set.
    slack_client_id: str = ""
    slack_client_secret: str = field(default="", repr=False)
    slack_scopes: tuple[str, ...] = ()
    # Encrypts stored bot tokens (a Fernet key; `sdo keygen` prints one).
    encryption_key: str = field(default="", repr=False)
    # Microsoft Teams (the Azure Bot's app registration): on when the app id is set.
    microsoft_app_id: str = ""
    microsoft_app_password: str = field(default="", repr=False)
    microsoft_app_tenant_id: str = ""
    # Local runs and tests only: accept unauthenticated activities and send without tokens.
    teams_allow_anonymous_unsafe: bool = False
    # Where this server is reached from outside (Teams cards load their pictures from it).
    public_url: str = ""
    # Answers and notes of rounds closed more than this many days ago are deleted (the rounds'
    # aggregates stay); None keeps them for ever (bot.services.retention).
    retention_days: int | None = None
    # GET /metrics answers only to "Authorization: Bearer <this>"; unset, it is not served.
    metrics_token: str = field(default="", repr=False)

    @property
    def slack_enabled(self) -> bool:
        """Slack is served: a bot token, or an OAuth set-up (with the signing secret)."""
        return bool(self.slack_bot_token or self.slack_client_id or self.slack_client_secret)

    @property
    def teams_enabled(self) -> bool:
        """Teams is served: an app id, or the explicitly unsafe anonymous mode."""
        return bool(self.microsoft_app_id or self.teams_allow_anonymous_unsafe)

    @property
    def oauth_enabled(self) -> bool:
        """Installs come through the OAuth flow instead of one SLACK_BOT_TOKEN."""
        return bool(self.slack_client_id and self.slack_client_secret and self.slack_scopes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        port, concurrency, parallel, in_flight = _numbers(
            env,
            int,
            {
                "PORT": "3000",
                "SDO_SEND_CONCURRENCY": "8",
                "SDO_PARALLEL_WORKSPACES": "64",
                "SDO_MAX_IN_FLIGHT": "100",
            },
            kind="a whole number",
        )
        tick, lease = _numbers(
            env, float, {"SDO_TICK_SECONDS": "10", "SDO_SEND_LEASE_SECONDS": "15"}, kind="a number"
        )
        if tick < 0 or lease <= 0:
            raise ConfigError(
                "SDO_TICK_SECONDS must be 0 or more and SDO_SEND_LEASE_SECONDS more than 0"
            )
        metrics_token = env.get("SDO_METRICS_TOKEN", "").strip()
        if metrics_token and is_placeholder(metrics_token):
            raise ConfigError(
                "SDO_METRICS_TOKEN still holds a placeholder: set it to a long random string "
                "(e.g. `openssl rand -hex 32`), or unset it to turn /metrics off."
            )
        api_url = env.get("SDO_SLACK_API_URL") or DEFAULT_SLACK_API_URL
        return cls(
            retention_days=_retention_days(env.get("SDO_RETENTION_DAYS", "").strip()),
            slack_bot_token=env.get("SLACK_BOT_TOKEN", ""),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
            slack_app_token=env.get("SLACK_APP_TOKEN", ""),
            database_url=env.get("SDO_DATABASE_URL") or DEFAULT_DATABASE_URL,
            slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
            port=port,
            send_concurrency=max(1, concurrency),
            parallel_workspaces=max(1, parallel),
            max_in_flight=max(1, in_flight),
            log_level=env.get("SDO_LOG_LEVEL", "INFO").upper(),
            tick_seconds=tick,
            send_lease_seconds=lease,
            clock_file=env.get("SDO_CLOCK_FILE") or None,
            slack_client_id=env.get("SLACK_CLIENT_ID", ""),
            slack_client_secret=env.get("SLACK_CLIENT_SECRET", ""),
            slack_scopes=tuple(
                s.strip() for s in env.get("SLACK_SCOPES", "").split(",") if s.strip()
            ),
            encryption_key=env.get("SDO_ENCRYPTION_KEY", ""),
            microsoft_app_id=env.get("MICROSOFT_APP_ID", ""),
            microsoft_app_password=env.get("MICROSOFT_APP_PASSWORD", ""),
            microsoft_app_tenant_id=env.get("MICROSOFT_APP_TENANT_ID", ""),
            teams_allow_anonymous_unsafe=env.get("SDO_TEAMS_ALLOW_ANONYMOUS_UNSAFE", "")
            in ("1", "true", "yes"),
            public_url=(env.get("SDO_PUBLIC_URL") or "").rstrip("/"),
            metrics_token=metrics_token,
        )

    def require_platform(self) -> None:
        """Raise ConfigError unless Slack or Teams (or both) is configured completely."""
        if not self.slack_enabled and not self.teams_enabled:
            raise ConfigError(
                "neither Slack nor Teams is configured: set SLACK_BOT_TOKEN and "
                "SLACK_SIGNING_SECRET (Slack), or MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and "
                "SDO_PUBLIC_URL (Teams; README: Run it in Teams)."
            )
        if self.slack_enabled:
            self.require_slack()
        if self.teams_enabled:
            self.require_teams()

    def require_teams(self) -> None:
        """Raise ConfigError naming the first missing Teams setting."""
        if self.microsoft_app_id and self.teams_allow_anonymous_unsafe:
            raise ConfigError(
                "SDO_TEAMS_ALLOW_ANONYMOUS_UNSAFE is set together with MICROSOFT_APP_ID: "
                "anonymous mode is for local runs only; unset it."
            )
        if self.microsoft_app_id and is_placeholder(self.microsoft_app_password):
            raise ConfigError(
                "MICROSOFT_APP_PASSWORD is not set: set it to a client secret of the Azure Bot's "
                "app registration (Certificates & secrets)."
            )
        if not self.public_url.startswith(("https://", "http://")):
            raise ConfigError(
                "SDO_PUBLIC_URL is not set: set it to the https:// address Teams reaches this "
                "server at (cards load their pictures from it)."
            )

    def require_slack(self, *, socket_mode: bool = False) -> None:
        """Raise ConfigError naming the first missing or placeholder Slack secret."""
        # Half an OAuth set-up is named first: asking for a bot token would mislead.
        if (self.slack_client_id or self.slack_client_secret) and not self.oauth_enabled:
            missing = [
                name
                for name, value in (
                    ("SLACK_CLIENT_ID", self.slack_client_id),
                    ("SLACK_CLIENT_SECRET", self.slack_client_secret),
                    ("SLACK_SCOPES", ",".join(self.slack_scopes)),
                )
                if not value
            ]
            raise ConfigError(
                f"{', '.join(missing)} not set: multi-workspace installs need SLACK_CLIENT_ID, "
                "SLACK_CLIENT_SECRET and SLACK_SCOPES (comma-separated bot scopes) together."
            )
        needed = {"SLACK_SIGNING_SECRET": self.slack_signing_secret}
        if self.oauth_enabled:
            needed["SLACK_CLIENT_SECRET"] = self.slack_client_secret
        else:
            needed = {"SLACK_BOT_TOKEN": self.slack_bot_token, **needed}
        if socket_mode:
            needed["SLACK_APP_TOKEN"] = self.slack_app_token
        for name, value in needed.items():
            if is_placeholder(value):
                state = "is not set" if not value else "still holds a placeholder"
                raise ConfigError(f"{name} {state}: set it to {_WHERE[name]}.")
        if self.encryption_key:
            try:
                Fernet(self.encryption_key.encode())
            except ValueError as exc:
                raise ConfigError(
                    "SDO_ENCRYPTION_KEY is not a valid key: use the output of `sdo keygen` "
                    "(32 url-safe base64-encoded bytes)."
                ) from exc
