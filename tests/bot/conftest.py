"""The bot's fixtures: the real ``Application`` over the fake Bot API in this process
(:class:`scripts.fake_bot_api.FakeBotRequest`), and factories for the updates Telegram would
send.

A test that talks to the bot is written ``async def test_…(bot): …``: the bot starts before
it and stops after it, on the test's event loop, and the test gets the harness as ``bot``. A
module changes how its bots run by overriding the ``bot_options`` fixture. A test that sets
things up before the bot starts, checks what it left after it stopped, or restarts it, opens
``async with running_bot(**changes) as bot:`` itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import itertools
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from telegram import Update
from telegram.ext import Application

from bot.settings import Settings
from bot.telegram.application import build_application, post_init, post_shutdown
from etl.build import run_etl
from recommender.engine import Engine, EngineHolder
from scripts.fake_bot_api import BOT_ID, BOT_USERNAME, Call, FakeBotRequest, command_entities
from tests.conftest import AsyncFixture

# A PostgreSQL server for the tests of shared storage; .ci/run starts one where it can.
POSTGRES_URL = os.environ.get("STREAMBOT_TEST_POSTGRES_URL", "")
NO_POSTGRES = (
    "STREAMBOT_TEST_POSTGRES_URL is not set: .ci/run starts PostgreSQL where the machine allows"
)
TOKEN = "123456:TEST-TOKEN-never-logged"
ADMIN_ID = 1
USER_ID = 7
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "StreamBot", "username": BOT_USERNAME}


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """The URL of a new schema on the PostgreSQL server, nobody else's, dropped afterwards;
    the test is skipped without a server."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schema = f"test_{uuid.uuid4().hex}"
    admin = create_engine(make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"))
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@dataclass
class Chat:
    """Builds the updates one user in one chat would cause, and feeds them to the bot."""

    app: Application
    api: FakeBotRequest
    user_id: int = USER_ID
    language_code: str = "en"
    chat_id: int = USER_ID
    chat_type: str = "private"
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def user(self) -> dict:
        return {
            "id": self.user_id,
            "is_bot": False,
            "first_name": "Ana",
            "language_code": self.language_code,
        }

    @property
    def chat(self) -> dict:
        if self.chat_type == "private":
            return {"id": self.chat_id, "type": "private", "first_name": "Ana"}
        return {"id": self.chat_id, "type": self.chat_type, "title": "Movie night"}

    async def feed(self, data: dict) -> list[Call]:
        """Process one update through every handler; the Bot API calls it caused."""
        before = len(self.api.calls)
        update = Update.de_json({"update_id": next(self._ids), **data}, self.app.bot)
        await self.app.process_update(update)
        return self.api.calls[before:]

    async def say(self, text: str, reply_to: dict | None = None) -> list[Call]:
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": 1_700_000_000,
            "chat": self.chat,
            "from": self.user,
            "text": text,
        }
        entities = command_entities(text)
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return await self.feed({"message": message})

    async def send_document(
        self, data: bytes, file_name: str, caption: str = "", mime_type: str = "text/csv"
    ) -> list[Call]:
        """Send a file with ``caption``, as Telegram delivers a document."""
        file_id = f"doc{next(self._ids)}"
        self.api.files[file_id] = data
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": 1_700_000_000,
            "chat": self.chat,
            "from": self.user,
            "document": {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": len(data),
            },
        }
        if caption:
            message["caption"] = caption
            entities = command_entities(caption)
            if entities:
                message["caption_entities"] = entities
        return await self.feed({"message": message})

    async def reply(self, text: str) -> str:
        """The text of the one message the bot sends back to ``text``."""
        return await self.reply_to(text, None)

    async def reply_to(self, text: str, message: dict | None) -> str:
        """The text of the one message the bot sends back to ``text``, sent as a reply to
        ``message`` (one of the bot's)."""
        calls = await self.say(text, reply_to=message)
        sent = [call for call in calls if call.method == "sendMessage"]
        assert len(sent) == 1, f"{text!r} got {len(sent)} messages"
        return sent[0].text

    async def press(
        self, data: str, message_id: int = 900, message: dict | None = None
    ) -> list[Call]:
        """Press a button with ``data`` on a bot message in this chat: ``message``, one the
        bot sent (a call's ``result``, with its buttons), or a made-up one."""
        message = message or {
            "message_id": message_id,
            "date": 1_700_000_000,
            "chat": self.chat,
            "from": BOT_USER,
            "text": "…",
        }
        query = {
            "id": f"cq{next(self._ids)}",
            "from": self.user,
            "chat_instance": "ci",
            "data": data,
            "message": message,
        }
        return await self.feed({"callback_query": query})

    async def inline(self, query: str, offset: str = "") -> Call:
        """Type ``@StreamBot <query>``; the one answerInlineQuery call it caused."""
        data = {"id": f"iq{next(self._ids)}", "from": self.user, "query": query, "offset": offset}
        calls = await self.feed({"inline_query": data})
        answers = [call for call in calls if call.method == "answerInlineQuery"]
        assert len(answers) == 1
        return answers[0]


@dataclass
class BotHarness:
    """The real application over the fake Bot API, and what the tests need to know of it."""

    app: Application
    api: FakeBotRequest
    holder: EngineHolder
    settings: Settings
    bot_username: str = BOT_USERNAME
    admin_id: int = ADMIN_ID
    user_id: int = USER_ID
    token: str = TOKEN

    def chat(self, **kwargs: Any) -> Chat:
        return Chat(self.app, self.api, **kwargs)

    def admin(self, **kwargs: Any) -> Chat:
        """The admin's private chat with the bot."""
        return self.chat(user_id=self.admin_id, chat_id=self.admin_id, **kwargs)

    async def wait_for(self, method: str, count: int, timeout: float = 30.0) -> list[Call]:
        """Wait until ``count`` calls of ``method`` were made (non-blocking handlers)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.api.of(method)) < count:
            assert loop.time() < deadline, f"waited {timeout} s for {count} {method}"
            await asyncio.sleep(0.02)
        return self.api.of(method)


# What ``running_bot`` gives: ``async with start(**changes) as bot:`` runs a bot for the block.
StartBot = Callable[..., AbstractAsyncContextManager[BotHarness]]


def make_settings(data_dir: Path, **changes: Any) -> Settings:
    # Each bot its own database file: tests must not share chat settings.
    database = Path(tempfile.mkdtemp(prefix="streambot-db-")) / "streambot.sqlite3"
    settings = Settings(
        data_dir=data_dir,
        db_url=f"sqlite:///{database}",
        telegram_bot_token=TOKEN,
        admin_ids=frozenset({ADMIN_ID}),
        webhook_url="https://bot.example.com/telegram",
        webhook_secret="test-secret",
    )
    return dataclasses.replace(settings, **changes)


@pytest.fixture
def bot_settings() -> Callable[..., Settings]:
    """Settings for a test bot over ``data_dir``; keyword arguments override fields."""
    return make_settings


@pytest.fixture
def fake_api() -> FakeBotRequest:
    return FakeBotRequest()


@pytest.fixture
def running_bot(engine: Engine, built: Any) -> StartBot:
    """``running_bot(**changes)``: a freshly built bot, started on entry and stopped on exit;
    its harness.

    The bot serves the session's fixture engine over the session's data folder, or, given
    ``data_dir``, the catalogue built there (for reloads, which write to it). ``api`` replaces
    the fake Bot API; other keyword arguments change the settings.
    """

    @contextlib.asynccontextmanager
    async def start(
        data_dir: Path | None = None, api: FakeBotRequest | None = None, **settings_changes: Any
    ) -> AsyncIterator[BotHarness]:
        settings = make_settings(data_dir or built.data_dir, **settings_changes)
        holder = EngineHolder(Engine.load(data_dir / "processed") if data_dir else engine)
        api = api or FakeBotRequest()
        application = build_application(settings, holder, request=api)
        # What run_polling does around its updates, minus the polling.
        await application.initialize()
        await post_init(application)
        await application.start()
        try:
            yield BotHarness(application, api, holder, settings)
        finally:
            await application.stop()
            await application.shutdown()
            await post_shutdown(application)

    return start


@pytest.fixture
def served_dir(data_dir: Path) -> Path:
    """A data folder of its own whose catalogue is built and served, free to rebuild."""
    run_etl(data_dir / "raw", data_dir / "processed")
    return data_dir


@pytest.fixture
def bot_options() -> dict[str, Any]:
    """``running_bot``'s keyword arguments for the bot of an ``async def`` test."""
    return {}


@pytest.fixture
def bot(running_bot: StartBot, bot_options: dict[str, Any]) -> AsyncFixture[BotHarness]:
    """The harness of a bot that runs for the whole of an ``async def`` test."""
    return AsyncFixture(functools.partial(running_bot, **bot_options))
