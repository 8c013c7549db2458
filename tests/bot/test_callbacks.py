"""Callback data: short, self-contained, and decoded by anchored patterns only."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import callbacks

RECORD_IDS = st.from_regex(r"[a-z]s[0-9]{1,12}", fullmatch=True)
LETTERS = st.none() | st.sampled_from("abcdefghijklmnopqrstuvwxyz")
TYPES = st.sampled_from([None, "movie", "tv show"])


@given(record_id=RECORD_IDS, offset=st.integers(0, 10**6), letter=LETTERS, item_type=TYPES)
def test_every_button_fits_in_64_bytes_and_decodes_back(record_id, offset, letter, item_type):
    for data, replace in (
        (callbacks.encode_recommend(record_id, offset, letter, item_type), True),
        (callbacks.encode_more(record_id, letter, item_type), False),
    ):
        assert len(data.encode()) <= 64
        assert re.match(callbacks.PATTERN, data)
        choice = callbacks.decode(data)
        assert choice.replace is replace
        assert choice.intent.args["record_id"] == record_id
        assert choice.intent.args.get("platform_letter") == letter
        assert choice.intent.args.get("item_type") == item_type
    assert callbacks.decode(callbacks.encode_info(record_id)).intent.name == "info"
    assert callbacks.decode(callbacks.encode_title(record_id)).intent.name == "title"


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
    ],
)
def test_malformed_data_decodes_to_nothing(data):
    assert callbacks.decode(data) is None


@given(st.text(max_size=80))
def test_decoding_any_text_never_raises(data):
    choice = callbacks.decode(data)
    assert choice is None or choice.intent.args["record_id"]
