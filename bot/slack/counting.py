"""Counting the 429s Slack's Web API answers, for ``sdo_rate_limited_total{platform="slack"}``.

``RateLimitCounter`` goes first among the Web API client's retry handlers (``web_client`` in
``bot.slack.retries`` puts it there): slack_sdk asks each handler in turn whether it retries an
answer, so the counter sees every answer, counts the 429s, and always says no, leaving the
retrying to the patient handlers after it.
"""

from __future__ import annotations

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.metrics import SLACK, Metrics


class RateLimitCounter(AsyncRetryHandler):
    """Counts each 429 answer; retries nothing.

    Args:
        metrics: the app's metrics.
    """

    def __init__(self, *, metrics: Metrics) -> None:
        super().__init__()
        self.metrics = metrics

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        # An error (a dropped connection) may come with the previous attempt's answer: not a 429.
        if error is None and response is not None and response.status_code == 429:
            self.metrics.limited(SLACK)
        return False
