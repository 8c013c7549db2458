"""Button callback data: a short prefix and record ids, so a button works after a restart and
on any bot process, with no server-side state.

=========================  ==============================================================
``rec:<id>:<offset>:<f>``  recommendations like the work of record ``id``, from ``offset``;
                           replaces the message (did-you-mean picks, next and back)
``more:<id>:<f>``          recommendations like ``id`` in a new message ("More like this")
``info:<id>``              the details of ``id``, replacing the message
``title:<id>``             the details of ``id`` and recommendations, replacing the message
=========================  ==============================================================

``<f>`` holds the filters: an optional platform letter, then ``M`` (movies) or ``T`` (TV
shows). Telegram allows 64 bytes of callback data; the longest form here takes 26.

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

from bot.parsing import INFO, RECOMMEND, TITLE, Intent

MAX_BYTES = 64
# Anchored: any callback data that starts with one of these is ours; decode() checks the rest.
PATTERN = r"^(?:rec|more|info|title):"
MAX_OFFSET = 9999

# A record id is a platform letter and that platform's show_id, whatever its form.
_ID = r"(?P<id>[a-z][a-z0-9._-]{0,40})"
_FILTERS = r"(?P<platform>[a-z]?)(?P<type>[MT]?)"
_FORMS = {
    "rec": re.compile(rf"^rec:{_ID}:(?P<offset>\d{{1,4}}):{_FILTERS}$"),
    "more": re.compile(rf"^more:{_ID}:{_FILTERS}$"),
    "info": re.compile(rf"^info:{_ID}$"),
    "title": re.compile(rf"^title:{_ID}$"),
}
_TYPE_CODES = {"movie": "M", "tv show": "T"}
_CODE_TYPES = {code: item_type for item_type, code in _TYPE_CODES.items()}


@dataclass(frozen=True)
class Choice:
    """A pressed button: what it asks for, and whether the answer replaces its message."""

    intent: Intent
    replace: bool


def _filters(platform_letter: str | None, item_type: str | None) -> str:
    return (platform_letter or "") + _TYPE_CODES.get(item_type or "", "")


def _checked(data: str) -> str:
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def encode_recommend(
    record_id: str,
    offset: int = 0,
    platform_letter: str | None = None,
    item_type: str | None = None,
) -> str:
    """Recommendations like ``record_id`` from ``offset``, replacing the pressed message."""
    offset = min(max(offset, 0), MAX_OFFSET)
    return _checked(f"rec:{record_id}:{offset}:{_filters(platform_letter, item_type)}")


def encode_more(
    record_id: str, platform_letter: str | None = None, item_type: str | None = None
) -> str:
    """Recommendations like ``record_id`` in a new message."""
    return _checked(f"more:{record_id}:{_filters(platform_letter, item_type)}")


def encode_info(record_id: str) -> str:
    """The details of ``record_id``."""
    return _checked(f"info:{record_id}")


def encode_title(record_id: str) -> str:
    """The details of ``record_id`` and recommendations like it."""
    return _checked(f"title:{record_id}")


def decode(data: str | None) -> Choice | None:
    """The choice ``data`` encodes, or ``None`` for data that is not (or no longer) ours.

    >>> decode("more:as42:T").intent.args
    {'record_id': 'as42', 'offset': 0, 'item_type': 'tv show'}
    >>> decode("title:ds1").replace, decode("dym:1"), decode(None)
    (True, None, None)
    """
    if not data:
        return None
    prefix = data.partition(":")[0]
    form = _FORMS.get(prefix)
    match = form.fullmatch(data) if form else None
    if match is None:
        return None
    fields = match.groupdict()
    args: dict[str, object] = {"record_id": fields["id"]}
    if prefix == "info":
        return Choice(Intent(INFO, args), replace=True)
    if prefix == "title":
        return Choice(Intent(TITLE, args), replace=True)
    args["offset"] = int(fields.get("offset") or 0)
    if fields["platform"]:
        args["platform_letter"] = fields["platform"]
    if fields["type"]:
        args["item_type"] = _CODE_TYPES[fields["type"]]
    return Choice(Intent(RECOMMEND, args), replace=prefix == "rec")
