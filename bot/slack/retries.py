"""The one Web API client: Slack's own retry handlers, and the pacer told of every 429.

slack_sdk's handlers wait ``Retry-After`` on a 429 and retry server errors and dropped
connections; ``PacingRateLimitRetryHandler`` also tells the ``SendPacer`` of each 429 on
``chat.postMessage``, so the sends that follow on that token are paced.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.delivery.pacing import SendPacer

PACED_METHOD = "chat.postMessage"
RATE_LIMIT_RETRIES = 10


def web_client(
    settings: Settings, session: aiohttp.ClientSession, *, pacer: SendPacer | None = None
) -> AsyncWebClient:
    """The app's Web API client: honours 429 Retry-After and retries 5xx and dropped connections.

    Args:
        settings: the token (single-workspace mode) and the API's base URL.
        session: the app's one aiohttp session.
        pacer: told of every 429 on ``chat.postMessage``, so the sends that follow are paced.
    """
    rate_limits = (
        PacingRateLimitRetryHandler(pacer=pacer, max_retry_count=RATE_LIMIT_RETRIES)
        if pacer
        else AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
    )
    return AsyncWebClient(
        token=settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        session=session,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=3),
            rate_limits,
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


class PacingRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (wait ``Retry-After``, retry), telling the pacer first."""

    def __init__(self, *, pacer: SendPacer, max_retry_count: int) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.pacer = pacer

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is not None and request.url.endswith("/" + PACED_METHOD):
            self.pacer.limited(token_of(request), retry_after=_retry_after(response.headers))
        await super().prepare_for_next_attempt_async(
            state=state, request=request, response=response, error=error
        )


def _retry_after(headers: dict[str, Any]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            text = value if isinstance(value, str) else (value[0] if value else "1")
            try:
                return max(0.0, float(text))
            except ValueError:
                return 1.0
    return 1.0
