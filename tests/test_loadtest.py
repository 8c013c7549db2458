"""The load-test tooling: the fake Bot API answers like Telegram, and the load driver, run
against the real bot process on the fixture catalogue, sees every update get exactly one right
reply. Nothing here is timed: ``make loadtest`` measures."""

from __future__ import annotations

import asyncio
import gc
import json

import httpx
import pytest

from scripts.fake_bot_api import TOKEN, FakeBotApi
from scripts.loadtest import Scenario, Workload, answer_kind, frozen_heap, run_load
from tests.conftest import AsyncFixture


@pytest.fixture
def api() -> AsyncFixture[FakeBotApi]:
    """The fake Bot API, serving on a loopback port for the whole test."""
    return AsyncFixture(FakeBotApi)


@pytest.fixture
def client() -> AsyncFixture[httpx.AsyncClient]:
    """An HTTP client to call it with, as the bot would."""
    return AsyncFixture(httpx.AsyncClient)


async def test_get_updates_long_polls_and_drops_acknowledged_updates(
    api: FakeBotApi, client: httpx.AsyncClient
) -> None:
    url = f"{api.base_url}{TOKEN}/getUpdates"
    user = api.user(7)
    first = api.push(api.message_update(api.private_chat(user), user, "hi"))
    api.push(api.inline_update(user, "toy story"))
    body = (await client.post(url, data={"timeout": "1"})).json()
    assert [update["update_id"] for update in body["result"]] == [first, first + 1]
    body = (await client.post(url, data={"offset": str(first + 2), "timeout": "0"})).json()
    assert body == {"ok": True, "result": []}
    # A long poll returns as soon as an update arrives.
    poll = asyncio.create_task(client.post(url, data={"offset": str(first + 2), "timeout": "5"}))
    await asyncio.sleep(0.1)
    api.push(api.inline_update(user, "up"))
    body = (await asyncio.wait_for(poll, 2)).json()
    assert [update["update_id"] for update in body["result"]] == [first + 2]


async def test_answers_like_telegram_and_injects_failures(
    api: FakeBotApi, client: httpx.AsyncClient
) -> None:
    base = f"{api.base_url}{TOKEN}"
    user = api.user(7)
    chat = api.private_chat(user)
    sent = await client.post(f"{base}/sendMessage", data={"chat_id": "7", "text": "a"})
    message = sent.json()["result"]
    assert message["chat"] == chat and message["from"]["is_bot"] and message["text"] == "a"
    edit = {"chat_id": "7", "message_id": str(message["message_id"]), "text": "a"}
    unchanged = await client.post(f"{base}/editMessageText", data=edit)
    assert unchanged.status_code == 400 and "not modified" in unchanged.json()["description"]
    elsewhere = await client.post(f"{base}/sendMessage", data={"chat_id": "8", "text": "a"})
    assert elsewhere.json()["description"] == "Bad Request: chat not found"
    api.fail["sendMessage"] = [(429, "Too Many Requests: retry after 1", {"retry_after": 1})]
    limited = await client.post(f"{base}/sendMessage", data={"chat_id": "7", "text": "b"})
    assert limited.status_code == 429 and limited.json()["parameters"]["retry_after"] == 1
    assert (await client.post(f"{api.base_url}wrong/getMe")).status_code == 401
    methods = [call.method for call in api.calls]
    assert methods == ["sendMessage", "editMessageText", "sendMessage", "sendMessage"]


async def test_reads_parameters_as_telegram_does_and_serves_files(
    api: FakeBotApi, client: httpx.AsyncClient
) -> None:
    """Query, JSON (its strings read as form values) and multipart with a file; downloads."""
    base = f"{api.base_url}{TOKEN}"
    api.private_chat(api.user(7))
    markup = {"inline_keyboard": [[{"text": "More", "callback_data": "more:ns1"}]]}
    await client.get(f"{base}/sendMessage", params={"chat_id": "7", "text": "123"})
    body = {"chat_id": "7", "text": "[1]", "reply_markup": json.dumps(markup)}
    await client.post(f"{base}/sendMessage", json=body)
    photo = {"photo": ("chart.png", b"PNG", "image/png")}
    await client.post(f"{base}/sendPhoto", data={"chat_id": "7"}, files=photo)
    api.files["doc1"] = b"title\n"
    found = await client.post(f"{base}/getFile", json={"file_id": "doc1"})
    files = f"http://127.0.0.1:{api.port}/file/bot{TOKEN}"
    download = await client.get(f"{files}/{found.json()['result']['file_path']}")
    missing = await client.get(f"{files}/documents/doc2")
    unknown = await client.post(f"{base}/sendSticker", data={"chat_id": "7"})
    query, posted, multipart = api.of("sendMessage") + api.of("sendPhoto")
    assert query.params == {"chat_id": 7, "text": "123"}
    assert posted.params == {"chat_id": 7, "text": "[1]", "reply_markup": markup}
    assert multipart.params == {"chat_id": 7} and multipart.files == {"photo": b"PNG"}
    assert (download.status_code, download.content) == (200, b"title\n")
    assert missing.status_code == 404
    assert [call.params for call in api.of("download")] == [
        {"file_id": "doc1"},
        {"file_id": "doc2"},
    ]
    assert unknown.status_code == 404 and unknown.json()["description"] == "Not Found"


def test_reply_kinds_are_read_from_the_i18n_templates():
    text = "🍿 If you like <b>Toy Story</b> (1995), try:\n\n1. …"
    assert answer_kind(text, frozenset({"like_header", "did_you_mean"}), "en") == "like_header"
    assert answer_kind(text, frozenset({"like_header"}), "es") is None
    assert answer_kind("😕 Sorry, something went wrong", frozenset({"like_header"}), "en") is None


def test_the_driver_types_its_titles_before_the_run(engine, monkeypatch):
    """The matcher resolves every typed title up front, the same ones for the same seed, and
    feeding a run's updates needs it no more."""
    updates = 300
    workload = Workload(FakeBotApi(), engine, updates, seed=1)
    assert workload.typed == Workload(FakeBotApi(), engine, updates, seed=1).typed
    assert workload.typed != Workload(FakeBotApi(), engine, updates, seed=2).typed
    monkeypatch.setattr(engine, "match", lambda *_, **__: pytest.fail("matched during the run"))
    for _ in range(updates):
        workload.push_next()
    assert len(workload.expected) == updates


def test_the_driver_keeps_what_it_prepared_out_of_the_collector_during_a_run(engine):
    with frozen_heap():
        assert gc.get_freeze_count() > 0
        assert not any(o is engine for o in gc.get_objects())
    assert gc.get_freeze_count() == 0  # everything in sight again, for the next run
    assert any(o is engine for o in gc.get_objects())


@pytest.mark.parametrize(
    ("webhook", "workers"),
    [(False, 1), (True, 1), (True, 2)],
    ids=["polling", "webhook", "webhook-2-workers"],
)
async def test_every_update_gets_exactly_one_right_reply(built, webhook, workers):
    scenario = Scenario("test", webhook, updates=60, rate=100, workers=workers)
    result = await run_load(scenario, built.data_dir)
    assert result.problems == []
    assert (result.updates, result.answered, result.wrong) == (60, 60, 0)
    # Every process the bot ran was measured: with workers, the one started (the supervisor)
    # and the workers it forked, each of which answered /health on the one port.
    assert len(result.ready) == workers
    assert set(result.ready) <= set(result.cpu_by_process)
    assert len(result.cpu_by_process) == (1 if workers == 1 else 1 + workers)
    assert 0 < result.pss_mb <= result.rss_mb
    assert result.rss_process_mb <= result.rss_mb
