"""Callback data: short, self-contained, and decoded by anchored patterns only."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.chat import callbacks
from recommender.catalogue import MAX_SHOW_ID, RECORD_ID

# Every id the ETL lets into a catalogue.
RECORD_IDS = st.from_regex(RECORD_ID, fullmatch=True)
LETTERS = st.none() | st.sampled_from("abcdefghijklmnopqrstuvwxyz")
TYPES = st.sampled_from([None, "movie", "tv show"])


@given(
    record_id=RECORD_IDS,
    offset=st.integers(0, 10**6),
    letter=LETTERS,
    item_type=TYPES,
    everywhere=st.booleans(),
)
def test_every_button_fits_in_64_bytes_and_decodes_back(
    record_id, offset, letter, item_type, everywhere
):
    for data, replace in (
        (callbacks.encode_recommend(record_id, offset, letter, item_type, everywhere), True),
        (callbacks.encode_more(record_id, letter, item_type, everywhere), False),
    ):
        assert len(data.encode()) <= 64
        assert re.match(callbacks.PATTERN, data)
        choice = callbacks.decode(data)
        assert choice.replace is replace
        assert choice.intent.args["record_id"] == record_id
        assert choice.intent.args.get("platform_letter") == letter
        assert choice.intent.args.get("item_type") == item_type
    for encode, name in (
        (callbacks.encode_info, "info"),
        (callbacks.encode_title, "title"),
        (callbacks.encode_where, "where"),
    ):
        intent = callbacks.decode(encode(record_id)).intent
        assert (intent.name, intent.args["record_id"]) == (name, record_id)
    suggested = callbacks.decode(callbacks.encode_suggest(record_id))
    assert suggested.replace and suggested.intent.name == "suggest"
    assert suggested.intent.args == {"record_id": record_id}


def test_the_longest_record_id_fits_the_longest_button():
    longest = "n" + "9" * MAX_SHOW_ID
    assert re.fullmatch(RECORD_ID, longest) and not re.fullmatch(RECORD_ID, longest + "9")
    data = callbacks.encode_recommend(longest, callbacks.MAX_OFFSET, "n", "tv show", True)
    assert len(data.encode()) == 54 <= callbacks.MAX_BYTES
    assert callbacks.decode(data).intent.args["record_id"] == longest


@pytest.mark.parametrize(
    "data",
    [
        "",
        "rec:",
        "rec:ns1",
        "rec:ns1:5",
        "rec:ns1:-5:",
        "rec:NS1:0:",
        "rec:ns1:0:xx",
        "more:ns1",
        "info:ns1:extra",
        "title:",
        "dym:as42",
        "rec:ns1:0:\n",
        "xrec:ns1:0:",
        "rec:ns1:99999:",
        "sug:",
        "sug:ns1:",
        "vote:close",  # its own handler's, not decode's
    ],
)
def test_malformed_data_decodes_to_nothing(data):
    assert callbacks.decode(data) is None


@given(st.text(max_size=80))
def test_decoding_any_text_never_raises(data):
    choice = callbacks.decode(data)
    assert choice is None or choice.intent.args["record_id"]


def test_the_close_vote_button_is_matched_by_its_own_pattern_only():
    assert re.match(callbacks.CLOSE_VOTE_PATTERN, callbacks.CLOSE_VOTE)
    assert not re.match(callbacks.PATTERN, callbacks.CLOSE_VOTE)
    assert not re.match(callbacks.CLOSE_VOTE_PATTERN, callbacks.CLOSE_VOTE + "x")
