"""A local fake of the Slack Web API, served over real HTTP with aiohttp.

``sdo demo`` drives the real app against it and every app test uses it in place of slack.com.
Point ``AsyncWebClient(token=..., base_url=fake.base_url)`` (or ``SDO_SLACK_API_URL``) at it::

    async with FakeSlack() as fake:
        fake.add_user("U1", name="ada")
        fake.add_channel("C1", name="team", members=["U1", fake.bot_user_id])
        client = AsyncWebClient(token=fake.bot_token, base_url=fake.base_url)
        await client.chat_postMessage(channel="U1", text="hi")
        assert fake.messages["DU1"][0]["text"] == "hi"

What it records, and where:

* ``calls``: every request the fake *answered like Slack*, i.e. with HTTP 200, in arrival
  order. That includes ``{"ok": false}`` answers (``invalid_auth``, ``channel_not_found``, an
  injected ``fail``…); ``Call.ok`` and ``Call.error`` tell them apart.
* ``rate_limited``: requests answered 429 (injected with ``rate_limit``). Never in ``calls``.
* ``server_errors``: requests answered 5xx (injected with ``server_error``), or another HTTP
  error (a used-up response URL's 404). Never in ``calls``.
* ``requests``: all of the above together, in arrival order.

Besides Web API methods (``/api/<method>``) it serves the upload URLs of the files v2 flow
(recorded as method ``"file_upload"``) and response URLs from ``new_response_url`` (recorded as
method ``"response_url"``); neither needs a token, like on Slack. A response URL made for a
message (``new_response_url(channel_id=..., message_ts=...)``, as the simulator's clicks carry)
replaces or deletes it like Slack's. Faults can target those names too, and ``"*"`` targets
every method.

By default it answers everything at once and without limit. ``FakeSlack(tiers=SLACK_TIERS)``
(or ``enforce_tiers``) rate-limits each token like Slack's tiers, answering 429 with
``Retry-After`` beyond them; ``latency(mean, jitter)`` holds every answer back like a network.
``FakeSlackFleet`` serves many workspaces on one port, routing each call by its token.

Run ``python -m bot.sandbox.fakeslack --port N --users 200`` to serve a generated team from another
process; ``GET /_calls``, ``GET /_messages`` and ``POST /_faults`` expose the same state over HTTP.

One concern a module, each importing only those listed after it: ``fleet``
(``FakeSlackFleet``), ``server`` (``FakeSlack``: lifecycle, routes, dispatch), ``methods`` with
``chat``, ``views`` and ``files`` (the Web API methods), ``state`` over ``directory`` (the
workspace), ``blockkit`` (Block Kit and view checks), ``faults`` (fault injection), ``tiers``
(rate-limit tiers), ``recording`` (``Call``) and ``protocol`` (the wire conventions they share);
``__main__`` is the runner.
"""

from bot.sandbox.fakeslack.blockkit import block_kit_errors, view_errors
from bot.sandbox.fakeslack.fleet import FakeSlackFleet
from bot.sandbox.fakeslack.methods import NO_TOKEN_METHODS
from bot.sandbox.fakeslack.protocol import JsonDict, Predicate
from bot.sandbox.fakeslack.recording import Call
from bot.sandbox.fakeslack.server import FakeSlack
from bot.sandbox.fakeslack.tiers import SLACK_TIERS, Limit, TierTable

__all__ = [
    "NO_TOKEN_METHODS",
    "SLACK_TIERS",
    "Call",
    "FakeSlack",
    "FakeSlackFleet",
    "JsonDict",
    "Limit",
    "Predicate",
    "TierTable",
    "block_kit_errors",
    "view_errors",
]
