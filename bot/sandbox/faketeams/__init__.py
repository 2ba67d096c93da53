"""A local fake of Microsoft Teams' Bot Connector (a ``serviceUrl``), over real HTTP with aiohttp,
and a simulator posting Teams activities to a bot.

Point the Agents SDK's clients (``ConnectorClient``, ``TeamsConnectorClient``, and so
``TeamsInfo``) at ``fake.service_url``, or put it in the ``serviceUrl`` of the activities the
bot receives (``TeamsSimulator`` does)::

    async with FakeTeams() as fake:
        team = fake.generate_team(members=3)
        ann = fake.users[team.member_ids[0]]
        client = TeamsConnectorClient(endpoint=fake.service_url, token="")
        chat = await client.conversations.create_conversation(
            ConversationParameters(members=[ChannelAccount(id=ann.id)], tenant_id=team.tenant_id)
        )
        hi = Activity(type="message", text="hi")
        await client.conversations.send_to_conversation(chat.id, hi)
        assert fake.dm_of(ann)[0]["text"] == "hi"

It serves, below ``service_url``: ``POST v3/conversations`` (a 1:1 chat, the same id for the
same user and tenant every time; or a new channel thread), ``POST``/``PUT``/``DELETE``
``v3/conversations/{id}/activities[/{activityId}]`` (send, reply, update in place, delete),
``GET v3/conversations/{id}/members[/{memberId}]`` and ``…/pagedmembers`` (real paging), and
``GET v3/teams/{teamId}[/conversations]``. A team's id, its channels' ids and their threads'
ids all name the team's roster. Errors come as Bot Framework ``ErrorResponse`` bodies with
Teams' codes (``ConversationNotFound``, ``MemberNotFoundInConversation``,
``BotNotInConversationRoster``…); ``validation`` refuses invalid Adaptive Cards (400) and
messages over 28 KB (413).

What it records, and where (``Call``, ``Sent`` and ``Created`` records):

* ``requests``: every request, refused or not, in arrival order; ``Call.authorized`` says
  whether an ``Authorization: Bearer`` header came (the token itself is never kept).
* ``rate_limited`` (429s), ``server_errors`` (5xx), ``rejected`` (other 4xx), and
  ``roster_requests`` (members, member, paged members), sorted out of ``requests``.
* ``sent`` (accepted sends, replies and new conversations' activities), ``updates``,
  ``deleted``, ``conversations_created``; ``activities`` (conversation id -> the bot's
  activities as stored now) and ``dm_of(user)``.

Faults (``faults``): ``rate_limit``, ``limits`` (Teams' throttling per conversation and per
bot, off by default), ``server_error``, ``fail``, ``latency``; ``reset()`` between tests.

Run ``python -m bot.sandbox.faketeams --port N --members 200`` to serve a generated team from
another process; ``GET /_sent``, ``/_activities``, ``/_requests`` and ``/_directory`` expose its
state, ``POST /_reset`` resets it.

One concern a module, each importing only those listed after it: ``simulator``
(``TeamsSimulator``) over ``activities`` (the activity builders) and ``cards`` (reading what
the bot sent: a card's elements, buttons and words); ``server`` (``FakeTeams``:
lifecycle, routes, dispatch); ``operations`` (conversations and activities) with ``roster``
(members, teams, channels), over ``conversations`` over ``directory`` (the state);
``validation`` (what the connector refuses in an activity); ``faults`` over ``throttling``;
``recording``; and ``protocol`` (the wire conventions they share). ``__main__`` is the runner.
"""

from bot.sandbox.faketeams.activities import Place
from bot.sandbox.faketeams.cards import actions, card_of, elements, texts
from bot.sandbox.faketeams.directory import Team, User
from bot.sandbox.faketeams.protocol import JsonDict, Op, Predicate
from bot.sandbox.faketeams.recording import Call, Created, Sent
from bot.sandbox.faketeams.server import FakeTeams
from bot.sandbox.faketeams.simulator import TeamsSimulator
from bot.sandbox.faketeams.throttling import TEAMS_PER_BOT, TEAMS_PER_THREAD
from bot.sandbox.faketeams.validation import ADAPTIVE_CARD, MAX_MESSAGE_BYTES, card_errors

__all__ = [
    "ADAPTIVE_CARD",
    "MAX_MESSAGE_BYTES",
    "TEAMS_PER_BOT",
    "TEAMS_PER_THREAD",
    "Call",
    "Created",
    "FakeTeams",
    "JsonDict",
    "Op",
    "Place",
    "Predicate",
    "Sent",
    "Team",
    "TeamsSimulator",
    "User",
    "actions",
    "card_errors",
    "card_of",
    "elements",
    "texts",
]
