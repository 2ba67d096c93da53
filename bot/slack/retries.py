"""The one Web API client: Slack's own retry handlers, a patient 429 handler, and the pacer.

slack_sdk's handlers retry server errors and dropped connections. A 429 is handled by
``PatientRateLimitRetryHandler``: it waits ``Retry-After`` and tries again for as long as Slack
keeps asking, up to ``MAX_RATE_LIMIT_WAIT_SECONDS`` of waiting for one call (a count of retries
would run out in seconds when Slack asks for 1 s at a time, and a person would be shown the
429). It tells the ``SendPacer`` of each 429 on ``chat.postMessage``, so the sends that follow on
that token are paced, and whoever waits for the call (a command with a person watching) of
each wait, through ``waiting_on_slack``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.delivery.pacing import SendPacer

PACED_METHOD = "chat.postMessage"
# Waiting for one call gives up after this much (an outage, not a limit): the caller then gets
# a passing failure (the fan-out leaves the DM pending; a command says Slack is busy).
MAX_RATE_LIMIT_WAIT_SECONDS = 300.0
# Spreads the retries of calls limited at the same moment (what slack_sdk's handler adds too).
JITTER_SECONDS = 0.5
_WAITED = "sdo_rate_limit_waited"

# Told of each Retry-After wait (seconds) of the Web API calls made in this context.
_on_wait: ContextVar[Callable[[float], None] | None] = ContextVar("sdo_on_wait", default=None)


@contextlib.contextmanager
def waiting_on_slack(listener: Callable[[float], None]) -> Iterator[None]:
    """Within the block, ``listener(seconds)`` hears of every 429 wait of its calls.

    The calls of tasks the block starts are included (they copy its context).
    """
    reset = _on_wait.set(listener)
    try:
        yield
    finally:
        _on_wait.reset(reset)


def web_client(
    settings: Settings, session: aiohttp.ClientSession, *, pacer: SendPacer | None = None
) -> AsyncWebClient:
    """The app's Web API client: waits out 429s and retries 5xx and dropped connections.

    Args:
        settings: the token (single-workspace mode) and the API's base URL.
        session: the app's one aiohttp session.
        pacer: told of every 429 on ``chat.postMessage``, so the sends that follow are paced.
    """
    return AsyncWebClient(
        token=settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        session=session,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=3),
            PatientRateLimitRetryHandler(pacer=pacer),
            AsyncServerErrorRetryHandler(max_retry_count=3),
        ],
    )


def token_of(request: HttpRequest) -> str:
    """The token a Web API request was made with (the pacing key; never logged)."""
    for name, value in request.headers.items():
        if name.lower() == "authorization":
            text = value if isinstance(value, str) else (value[0] if value else "")
            return text.removeprefix("Bearer ").strip()
    return ""


class PatientRateLimitRetryHandler(AsyncRetryHandler):
    """On a 429: tell the pacer and the listener, wait ``Retry-After``, try again.

    Args:
        pacer: told of 429s on ``chat.postMessage``; None to pace nothing.
        max_wait_seconds: most waiting for one call before its 429 is raised.
    """

    def __init__(
        self,
        *,
        pacer: SendPacer | None = None,
        max_wait_seconds: float = MAX_RATE_LIMIT_WAIT_SECONDS,
    ) -> None:
        super().__init__()  # its retry count is unused: the time waited is the limit
        self.pacer = pacer
        self.max_wait_seconds = max_wait_seconds

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        waited = float((state.custom_values or {}).get(_WAITED, 0.0))
        return waited + retry_after(response.headers) <= self.max_wait_seconds

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:  # pragma: no cover - can_retry_async said no
            raise error or RuntimeError("no response to retry")
        seconds = retry_after(response.headers)
        if self.pacer is not None and request.url.endswith("/" + PACED_METHOD):
            self.pacer.limited(token_of(request), retry_after=seconds)
        listener = _on_wait.get()
        if listener is not None:
            listener(seconds)
        values = state.custom_values = state.custom_values or {}
        values[_WAITED] = float(values.get(_WAITED, 0.0)) + seconds
        state.next_attempt_requested = True
        await asyncio.sleep(seconds + random.random() * JITTER_SECONDS)  # noqa: S311 (jitter)
        state.increment_current_attempt()


def retry_after(headers: dict[str, Any]) -> float:
    """Seconds a 429 asks to wait (``Retry-After``; 1 when it is missing or unreadable)."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            text = value if isinstance(value, str) else (value[0] if value else "1")
            try:
                return max(0.0, float(text))
            except ValueError:
                return 1.0
    return 1.0
