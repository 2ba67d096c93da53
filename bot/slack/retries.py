"""The one Web API client: a patient 5xx handler, a patient 429 handler, and the pacer.

A server error (500, 502, 503, 504) or a dropped connection is handled by
``PatientServerErrorRetryHandler``: exponential backoff with jitter (0.5 s, doubling, at most
10 s between tries) for up to ``ServerErrorBackoff.max_wait_seconds`` (90 s) of waiting for one
call, so Slack (or a proxy before it) answering 502/504 for a minute is ridden out inside the
call. slack_sdk's own ``AsyncServerErrorRetryHandler`` takes only 500 and 503, and gives up after
a count of quick retries (a couple of seconds).

Nothing doubled: a 502/504 from a gateway does not say whether Slack ran the call behind it.
Slack's Web API has no idempotency key for ``chat.postMessage``, and reading the DM back to look
would need ``im:history``, a scope SDO Pulse does not ask for. So a 5xx answer is taken for what
it says, "not done", and the call is tried again: the post that a gateway timed out *after*
Slack stored it is shown twice (a rare case Slack's clients cannot tell from the common one,
where the gateway never reached Slack). Nothing else is ever sent twice by a retry: the retry
is the same call inside the same ``chat_postMessage`` await, the fan-out marks the delivery
sent once, with the one answer it got, and a call whose retries run out leaves its delivery
pending (``bot.delivery.fanout``), never failed, so nothing is lost either.

A 429 is handled by
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
import logging
import random
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.delivery.pacing import SendPacer
from bot.metrics import Metrics
from bot.slack.counting import RateLimitCounter

log = logging.getLogger(__name__)

PACED_METHOD = "chat.postMessage"
# Waiting for one call gives up after this much (an outage, not a limit): the caller then gets
# a passing failure (the fan-out leaves the DM pending; a command says Slack is busy).
MAX_RATE_LIMIT_WAIT_SECONDS = 300.0
# Spreads the retries of calls limited at the same moment (what slack_sdk's handler adds too).
JITTER_SECONDS = 0.5
_WAITED = "sdo_rate_limit_waited"
_SERVER_WAITED, _SERVER_RETRIES = "sdo_server_error_waited", "sdo_server_error_retries"
# The statuses of a Slack (or a proxy before it) that is down or overloaded for a while.
SERVER_ERROR_STATUSES = frozenset({500, 502, 503, 504})
# A connection refused, reset or dropped before an answer (slack_sdk's list, and a refused
# connect). A timeout is not among them: the call may still be running at Slack.
CONNECTION_ERRORS: tuple[type[Exception], ...] = (
    aiohttp.ServerConnectionError,
    aiohttp.ServerDisconnectedError,
    aiohttp.ClientOSError,
)


@dataclass(frozen=True, slots=True)
class ServerErrorBackoff:
    """How a call waits out server errors: ``first_seconds`` doubling up to ``max_seconds``
    between tries (each one jittered down by up to ``jitter`` of itself), until the waits of
    one call would pass ``max_wait_seconds``."""

    first_seconds: float = 0.5
    max_seconds: float = 10.0
    max_wait_seconds: float = 90.0
    jitter: float = 0.5

    def delay(self, retry: int, *, rand: Callable[[], float] = random.random) -> float:
        """The wait before retry number ``retry`` (0 for the first)."""
        nominal = min(self.max_seconds, self.first_seconds * 2.0 ** min(retry, 62))
        return nominal * (1.0 - self.jitter * rand())


# How the app's client waits out server errors (read at each call: tests scale the minute down).
SERVER_ERROR_BACKOFF = ServerErrorBackoff()
# How a post a person is waiting on waits them out (an answer on a response URL, a file's bytes
# to its upload URL): a few seconds, not a minute; a refreshed DM still has chat.update, a
# picture the text (read at each post).
SHORT_BACKOFF = ServerErrorBackoff(max_wait_seconds=8.0)

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
    settings: Settings,
    session: aiohttp.ClientSession,
    *,
    pacer: SendPacer | None = None,
    metrics: Metrics | None = None,
) -> AsyncWebClient:
    """The app's Web API client: waits out 429s, 5xx and dropped connections.

    Args:
        settings: the token (single-workspace mode) and the API's base URL.
        session: the app's one aiohttp session.
        pacer: told of every 429 on ``chat.postMessage``, so the sends that follow are paced.
        metrics: counts every 429 (its counter goes first: slack_sdk asks the handlers in turn).
    """
    counting: list[AsyncRetryHandler] = (
        [RateLimitCounter(metrics=metrics)] if metrics is not None else []
    )
    return AsyncWebClient(
        token=settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        session=session,
        retry_handlers=[
            *counting,
            PatientRateLimitRetryHandler(pacer=pacer),
            PatientServerErrorRetryHandler(),
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


class PatientServerErrorRetryHandler(AsyncRetryHandler):
    """On a 500, 502, 503 or 504, or a dropped connection: back off, try again.

    Args:
        backoff: the waits, and the most waiting for one call before its error is raised;
            None: ``SERVER_ERROR_BACKOFF`` as it is at each call (a test scales it down).
        sleep: waits (a test passes its own).
        rand: the jitter's random numbers in [0, 1).
        name: what the log calls the request (None: the Web API method, from its URL; a
            response URL's own path is a secret and is never logged).
    """

    def __init__(
        self,
        *,
        backoff: ServerErrorBackoff | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
        name: str | None = None,
    ) -> None:
        super().__init__()  # its retry count is unused: the time waited is the limit
        self._name = name
        self._backoff = backoff
        self._sleep = sleep
        self._rand = rand

    @property
    def backoff(self) -> ServerErrorBackoff:
        return self._backoff or SERVER_ERROR_BACKOFF

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if error is not None:
            if not isinstance(error, CONNECTION_ERRORS):
                return False
        elif response is None or response.status_code not in SERVER_ERROR_STATUSES:
            return False
        values = state.custom_values or {}
        waited = float(values.get(_SERVER_WAITED, 0.0))
        retries = int(values.get(_SERVER_RETRIES, 0))
        # The nominal (longest) next wait must still fit.
        return waited + self.backoff.delay(retries, rand=lambda: 0.0) <= (
            self.backoff.max_wait_seconds
        )

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        values = state.custom_values = state.custom_values or {}
        retries = int(values.get(_SERVER_RETRIES, 0))
        seconds = self.backoff.delay(retries, rand=self._rand)
        what = f"HTTP {response.status_code}" if response is not None else type(error).__name__
        method = self._name or request.url.rsplit("/", 1)[-1]
        log.info("%s: Slack answered %s; trying again in %.1f s", method, what, seconds)
        values[_SERVER_RETRIES] = retries + 1
        values[_SERVER_WAITED] = float(values.get(_SERVER_WAITED, 0.0)) + seconds
        state.next_attempt_requested = True
        await self._sleep(seconds)
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
