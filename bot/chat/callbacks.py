"""Button callback data: a short prefix and record ids, so a button works after a restart and
on any bot process, with no server-side state.

==========================  =============================================================
``rec:<id>:<offset>:<f>``   recommendations like the work of record ``id``, from ``offset``;
                            replaces the message (did-you-mean picks, next and back)
``more:<id>:<f>``           recommendations like ``id`` in a new message ("More like this")
``info:<id>``               the details of ``id``, replacing the message
``title:<id>``              the details of ``id`` and recommendations, replacing the message
``where:<id>``              where ``id`` streams, replacing the message
``long:<year>:<unit>``      the longest movie (``m``) or show (``s``) of ``year`` (``0``: any)
                            on every platform, in a new message
``new:``                    the latest additions on every platform, in a new message
``pf:<letter>``             add or remove a platform from the chat's platforms; ``pf:*``
                            resets them to all
``stats:<letter>``          one platform's chart
``upok:<token>``            apply the staged catalogue upload ``token``; ``upno:`` drops it
``dsc:<stamp>:<action>``    refine the chat's last discovery, if ``stamp`` is still its
                            stamp: ``movie``, ``tv``, ``shorter``, ``newer``, ``top`` (top
                            rated) or ``more`` (the next page); replaces the message
``fb:<action>:<id>``        feedback on ``id``: ``l`` liked it, ``d`` not for me, ``s`` save
                            (pressed again: undo); relabels the message's buttons
``ls:<offset>``             the chat's watchlist from ``offset``, replacing the message
``lsr:<id>:<offset>``       take ``id`` off the watchlist; the page again, in its place
``lsp:``                    one title of the watchlist at random, in a new message
``fy:<offset>:<t>``         recommendations for the chat from ``offset`` (``t``: ``M`` movies
                            or ``T`` TV shows only, or empty), replacing the message
``fgt:<y|n|a>``             delete everything stored for the chat (``y``), or not (``n``);
                            ``a`` asks first
``sug:<id>``                suggest ``id`` for the group's next movie night (a did-you-mean
                            pick); replaces the message
``vote:close``              close the movie night whose poll it is under (``CLOSE_VOTE``:
                            a front end's own handler, as only it can stop a poll)
==========================  =============================================================

A deep link, ``t.me/<bot>?start=w_<id>``, opens the card of ``id`` (:func:`deep_link`).

``<f>`` holds the filters: an optional platform letter, then ``M`` (movies) or ``T`` (TV
shows), then ``*`` to show every platform whatever the chat's platforms are. Telegram allows
64 bytes of callback data. A record id is ``recommender.catalogue.RECORD_ID``, which the ETL
holds every row to; the longest form, with the longest id, takes 54:

>>> from recommender.catalogue import MAX_SHOW_ID
>>> len(encode_recommend("n" + "s" * MAX_SHOW_ID, MAX_OFFSET, "n", "tv show", everywhere=True))
54

>>> data = encode_recommend("ns123", offset=5, platform_letter="n", item_type="movie")
>>> data
'rec:ns123:5:nM'
>>> choice = decode(data)
>>> choice.intent.name, choice.replace
('recommend', True)
>>> choice.intent.args
{'record_id': 'ns123', 'offset': 5, 'platform_letter': 'n', 'item_type': 'movie'}
>>> decode("rec:ns123:5:nM:extra") is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.chat.parsing import (
    FEEDBACK,
    FOLLOW_UP,
    FOR_YOU,
    FORGET,
    INFO,
    LONGEST,
    NEW,
    PLATFORMS,
    RECOMMEND,
    STATS,
    SUGGEST,
    TITLE,
    UPLOAD,
    WATCHLIST,
    WHERE,
    Intent,
)
from bot.chat.taste import DISLIKE, LIKE, SAVE
from recommender.catalogue import RECORD_ID

MAX_BYTES = 64
# Anchored: any callback data that starts with one of these is ours; decode() checks the rest.
PATTERN = (
    r"^(?:rec|more|info|title|where|long|new|pf|stats|upok|upno|dsc|fb|ls|lsr|lsp|fy|fgt|sug):"
)
MAX_OFFSET = 9999
# The movie night's close button, under its poll: the poll is found by the message it is on.
CLOSE_VOTE = "vote:close"
CLOSE_VOTE_PATTERN = rf"^{CLOSE_VOTE}$"

_ID = rf"(?P<id>{RECORD_ID})"
_FILTERS = r"(?P<platform>[a-z]?)(?P<type>[MT]?)(?P<everywhere>\*?)"
_FORMS = {
    "rec": re.compile(rf"^rec:{_ID}:(?P<offset>\d{{1,4}}):{_FILTERS}$"),
    "more": re.compile(rf"^more:{_ID}:{_FILTERS}$"),
    "info": re.compile(rf"^info:{_ID}$"),
    "title": re.compile(rf"^title:{_ID}$"),
    "where": re.compile(rf"^where:{_ID}$"),
    "long": re.compile(r"^long:(?P<year>0|\d{4}):(?P<unit>[ms])$"),
    "new": re.compile(r"^new:$"),
    "pf": re.compile(r"^pf:(?P<letter>[a-z*])$"),
    "stats": re.compile(r"^stats:(?P<letter>[a-z])$"),
    "upok": re.compile(r"^upok:(?P<token>[0-9a-f]{6,32})$"),
    "upno": re.compile(r"^upno:(?P<token>[0-9a-f]{6,32})$"),
    "dsc": re.compile(r"^dsc:(?P<stamp>[0-9a-f]{6}):(?P<action>movie|tv|shorter|newer|top|more)$"),
    "fb": re.compile(rf"^fb:(?P<action>[lds]):{_ID}$"),
    "ls": re.compile(r"^ls:(?P<offset>\d{1,4})$"),
    "lsr": re.compile(rf"^lsr:{_ID}:(?P<offset>\d{{1,4}})$"),
    "lsp": re.compile(r"^lsp:$"),
    "fy": re.compile(r"^fy:(?P<offset>\d{1,4}):(?P<type>[MT]?)$"),
    "fgt": re.compile(r"^fgt:(?P<confirm>[yna])$"),
    "sug": re.compile(rf"^sug:{_ID}$"),
}
_FEEDBACK_CODES = {LIKE: "l", DISLIKE: "d", SAVE: "s"}
_CODE_FEEDBACK = {code: action for action, code in _FEEDBACK_CODES.items()}

_TYPE_CODES = {"movie": "M", "tv show": "T"}
_CODE_TYPES = {code: item_type for item_type, code in _TYPE_CODES.items()}


@dataclass(frozen=True)
class Choice:
    """A pressed button: what it asks for, and whether the answer replaces its message."""

    intent: Intent
    replace: bool


def _filters(platform_letter: str | None, item_type: str | None, everywhere: bool) -> str:
    return (platform_letter or "") + _TYPE_CODES.get(item_type or "", "") + "*" * everywhere


def _checked(data: str) -> str:
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def encode_recommend(
    record_id: str,
    offset: int = 0,
    platform_letter: str | None = None,
    item_type: str | None = None,
    everywhere: bool = False,
) -> str:
    """Recommendations like ``record_id`` from ``offset``, replacing the pressed message;
    ``everywhere`` lifts the chat's platforms."""
    offset = min(max(offset, 0), MAX_OFFSET)
    filters = _filters(platform_letter, item_type, everywhere)
    return _checked(f"rec:{record_id}:{offset}:{filters}")


def encode_more(
    record_id: str,
    platform_letter: str | None = None,
    item_type: str | None = None,
    everywhere: bool = False,
) -> str:
    """Recommendations like ``record_id`` in a new message."""
    return _checked(f"more:{record_id}:{_filters(platform_letter, item_type, everywhere)}")


def encode_info(record_id: str) -> str:
    """The details of ``record_id``."""
    return _checked(f"info:{record_id}")


def encode_title(record_id: str) -> str:
    """The details of ``record_id`` and recommendations like it."""
    return _checked(f"title:{record_id}")


def encode_where(record_id: str) -> str:
    """Where ``record_id``'s work streams."""
    return _checked(f"where:{record_id}")


def encode_longest(year: int | None, duration_type: str | None) -> str:
    """The longest title of ``year`` on every platform."""
    return f"long:{year or 0}:{'s' if duration_type == 'season' else 'm'}"


def encode_new() -> str:
    """The latest additions on every platform."""
    return "new:"


def encode_toggle(platform_letter: str | None) -> str:
    """Add or remove one platform from the chat's; ``None`` resets them to all."""
    return f"pf:{platform_letter or '*'}"


def encode_refine(stamp: str, action: str) -> str:
    """Refine the discovery of ``stamp`` (an action of ``dsc:``), replacing its message."""
    if action not in _REFINEMENTS:
        raise ValueError(f"not a refine action: {action!r}")
    return _checked(f"dsc:{stamp}:{action}")


# What each refine button asks, as the same follow-up typing it would make.
_REFINEMENTS: dict[str, dict[str, object]] = {
    "movie": {"type": "movie"},
    "tv": {"type": "tv"},
    "shorter": {"shorter": True},
    "newer": {"newer": True},
    "top": {"sort": "score"},
    "more": {"more": True},
}


def _refine(fields: dict[str, str]) -> Choice:
    args = {"stamp": fields["stamp"], **_REFINEMENTS[fields["action"]]}
    return Choice(Intent(FOLLOW_UP, args), replace=True)


def encode_feedback(action: str, record_id: str) -> str:
    """Feedback ``action`` (``bot.chat.taste``) on ``record_id``.

    >>> decode(encode_feedback("save", "ns42")).intent.args
    {'record_id': 'ns42', 'action': 'save'}
    """
    return _checked(f"fb:{_FEEDBACK_CODES[action]}:{record_id}")


def _feedback(fields: dict[str, str]) -> Choice:
    args = {"record_id": fields["id"], "action": _CODE_FEEDBACK[fields["action"]]}
    return Choice(Intent(FEEDBACK, args), replace=True)


def encode_watchlist(offset: int = 0) -> str:
    """The chat's watchlist from ``offset``."""
    return f"ls:{min(max(offset, 0), MAX_OFFSET)}"


def encode_watchlist_remove(record_id: str, offset: int = 0) -> str:
    """Take ``record_id`` off the watchlist, showing the page from ``offset`` again."""
    return _checked(f"lsr:{record_id}:{min(max(offset, 0), MAX_OFFSET)}")


def encode_pick() -> str:
    """One title of the watchlist at random."""
    return "lsp:"


def encode_for_you(offset: int = 0, item_type: str | None = None) -> str:
    """Recommendations for the chat from ``offset``, of ``item_type`` only if given."""
    return f"fy:{min(max(offset, 0), MAX_OFFSET)}:{_TYPE_CODES.get(item_type or '', '')}"


def _for_you(fields: dict[str, str]) -> Choice:
    args: dict[str, object] = {"offset": int(fields["offset"])}
    if fields["type"]:
        args["item_type"] = _CODE_TYPES[fields["type"]]
    return Choice(Intent(FOR_YOU, args), replace=True)


def encode_forget(confirm: bool | None) -> str:
    """Delete everything stored for the chat, call it off, or (``None``) ask first."""
    return f"fgt:{'a' if confirm is None else 'y' if confirm else 'n'}"


def _forget(fields: dict[str, str]) -> Choice:
    confirm = fields["confirm"]
    args = {} if confirm == "a" else {"confirm": confirm == "y"}
    return Choice(Intent(FORGET, args), replace=confirm != "a")


def encode_suggest(record_id: str) -> str:
    """Suggest ``record_id`` for the group's next movie night."""
    return _checked(f"sug:{record_id}")


def encode_stats(platform_letter: str) -> str:
    """One platform's chart."""
    return f"stats:{platform_letter}"


def encode_upload(token: str, apply: bool) -> str:
    """Apply (or drop) the staged upload ``token``."""
    return _checked(f"{'upok' if apply else 'upno'}:{token}")


_DEEP_LINK = re.compile(rf"^w_{_ID}$")


def deep_link(record_id: str) -> str:
    """The ``/start`` parameter that opens the card of ``record_id`` (Telegram allows 64
    characters of letters, digits, ``_`` and ``-``).

    >>> deep_link("ns42"), deep_linked("w_ns42"), deep_linked("w_ns42/../x")
    ('w_ns42', 'ns42', None)
    """
    return _checked(f"w_{record_id}")


def deep_linked(parameter: str) -> str | None:
    """The record id a ``/start`` parameter opens, if it is a deep link of ours."""
    match = _DEEP_LINK.fullmatch(parameter)
    return match.group("id") if match else None


def decode(data: str | None) -> Choice | None:
    """The choice ``data`` encodes, or ``None`` for data that is not (or no longer) ours.

    >>> decode("more:as42:T").intent.args
    {'record_id': 'as42', 'offset': 0, 'item_type': 'tv show'}
    >>> decode("title:ds1").replace, decode("dym:1"), decode(None)
    (True, None, None)
    >>> decode("long:2019:s").intent.args
    {'everywhere': True, 'year': 2019, 'duration_type': 'season'}
    """
    if not data:
        return None
    prefix = data.partition(":")[0]
    form = _FORMS.get(prefix)
    match = form.fullmatch(data) if form else None
    if match is None:
        return None
    fields = match.groupdict()
    if prefix in _OTHER_FORMS:
        return _OTHER_FORMS[prefix](fields)
    args: dict[str, object] = {"record_id": fields["id"]}
    if prefix in ("info", "title", "where"):
        return Choice(Intent({"info": INFO, "title": TITLE, "where": WHERE}[prefix], args), True)
    args["offset"] = int(fields.get("offset") or 0)
    if fields["platform"]:
        args["platform_letter"] = fields["platform"]
    if fields["type"]:
        args["item_type"] = _CODE_TYPES[fields["type"]]
    if fields["everywhere"]:
        args["everywhere"] = True
    return Choice(Intent(RECOMMEND, args), replace=prefix == "rec")


def _longest(fields: dict[str, str]) -> Choice:
    args: dict[str, object] = {"everywhere": True}
    if fields["year"] != "0":
        args["year"] = int(fields["year"])
    if fields["unit"] == "s":
        args["duration_type"] = "season"
    return Choice(Intent(LONGEST, args), replace=False)


def _toggle(fields: dict[str, str]) -> Choice:
    letter = fields["letter"]
    args = {"platforms": ()} if letter == "*" else {"toggle": letter}
    return Choice(Intent(PLATFORMS, args), replace=True)


_OTHER_FORMS = {
    "long": _longest,
    "new": lambda fields: Choice(Intent(NEW, {"everywhere": True}), replace=False),
    "pf": _toggle,
    "stats": lambda fields: Choice(Intent(STATS, {"platform_letter": fields["letter"]}), False),
    "upok": lambda fields: Choice(Intent(UPLOAD, {"token": fields["token"], "apply": True}), True),
    "upno": lambda fields: Choice(Intent(UPLOAD, {"token": fields["token"], "apply": False}), True),
    "dsc": _refine,
    "fb": _feedback,
    "ls": lambda fields: Choice(Intent(WATCHLIST, {"offset": int(fields["offset"])}), True),
    "lsr": lambda fields: Choice(
        Intent(WATCHLIST, {"remove": fields["id"], "offset": int(fields["offset"])}), True
    ),
    "lsp": lambda fields: Choice(Intent(WATCHLIST, {"pick": True}), False),
    "fy": _for_you,
    "fgt": _forget,
    "sug": lambda fields: Choice(Intent(SUGGEST, {"record_id": fields["id"]}), replace=True),
}
