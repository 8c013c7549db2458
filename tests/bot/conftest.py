"""The bot's fixtures: an in-process fake Bot API, the real ``Application`` on top of it, and
factories for the updates Telegram would send.

The fake Bot API is a ``telegram.request.BaseRequest``: PTB's own HTTP layer is replaced, so
every Bot API call goes through PTB exactly as in production and lands here, recorded.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.settings import Settings
from bot.telegram_app import build_application, post_init, post_shutdown
from recommender.engine import Engine, EngineHolder
from scripts.fake_bot_api import chat_member, command_entities

BOT_ID = 4242
BOT_USERNAME = "StreamBot"
TOKEN = "123456:TEST-TOKEN-never-logged"
ADMIN_ID = 1
USER_ID = 7
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "StreamBot", "username": BOT_USERNAME}


@dataclass
class Call:
    """One Bot API request: the method and its parameters."""

    method: str
    params: dict[str, Any]
    # Uploaded files (a photo, say) by field name: their bytes.
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """A message's text, or a photo's caption."""
        return str(self.params.get("text", self.params.get("caption", "")))

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """``(label, callback_data)`` of every inline button, row by row."""
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        return [(button["text"], button.get("callback_data", "")) for row in rows for button in row]


class FakeBotApi(BaseRequest):
    """Answers every Bot API method in-process, like Telegram would, and records the calls.

    ``fail`` maps a method to (HTTP status, description, parameters) answers used, one per
    call, before it succeeds again. ``files`` holds what users sent, by ``file_id``, for
    ``getFile`` and the download after it. ``statuses`` holds ``getChatMember``'s answer by
    (chat id, user id): "creator" or "administrator"; anyone else is a "member".
    """

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.fail: dict[str, list[tuple[int, str, dict]]] = {}
        self.files: dict[str, bytes] = {}
        self.statuses: dict[tuple[int, int], str] = {}
        self._message_ids = itertools.count(1000)

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **_: Any
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:  # a download of a file a user sent
            file_id = url.rsplit("/", 1)[-1]
            self.calls.append(Call("download", {"file_id": file_id}))
            return (200, self.files[file_id]) if file_id in self.files else (404, b"")
        endpoint = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        files = {}
        if request_data is not None and request_data.contains_files:
            files = {
                name: value[1] if isinstance(value, tuple) else value
                for name, value in request_data.multipart_data.items()
            }
        self.calls.append(Call(endpoint, params, files))
        failures = self.fail.get(endpoint)
        if failures:
            status, description, parameters = failures.pop(0)
            body = {"ok": False, "error_code": status, "description": description}
            if parameters:
                body["parameters"] = parameters
            return status, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": self._result(endpoint, params)}).encode()

    def _result(self, endpoint: str, params: dict) -> object:
        if endpoint == "getMe":
            return {**BOT_USER, "can_join_groups": True, "supports_inline_queries": True}
        if endpoint in ("sendMessage", "editMessageText", "sendPhoto"):
            if "inline_message_id" in params:
                return True
            chat_id = int(params["chat_id"])
            message = {
                "message_id": int(params.get("message_id") or next(self._message_ids)),
                "date": 1_700_000_000,
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": BOT_USER,
            }
            if endpoint == "sendPhoto":
                photo = {"file_id": "p1", "file_unique_id": "u1", "width": 1, "height": 1}
                return {**message, "photo": [photo], "caption": params.get("caption", "")}
            return {**message, "text": params["text"]}
        if endpoint == "getChatMember":
            user_id = int(params["user_id"])
            status = self.statuses.get((int(params["chat_id"]), user_id), "member")
            return chat_member(user_id, status)
        if endpoint == "getFile":
            file_id = params["file_id"]
            size = len(self.files.get(file_id, b""))
            return {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": size,
                "file_path": file_id,
            }
        return True

    # -- what the tests read -------------------------------------------------------------------
    def of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    @property
    def sent(self) -> list[Call]:
        return self.of("sendMessage")


@dataclass
class Chat:
    """Builds the updates one user in one chat would cause, and feeds them to the bot."""

    app: Application
    api: FakeBotApi
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

    async def press(self, data: str, message_id: int = 900) -> list[Call]:
        """Press a button with ``data`` on a bot message in this chat."""
        message = {
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
    api: FakeBotApi
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


Scenario = Callable[[BotHarness], Awaitable[None]]


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
def fake_api() -> FakeBotApi:
    return FakeBotApi()


@pytest.fixture
def run_bot(engine: Engine, built: Any) -> Callable[..., BotHarness]:
    """Run ``scenario(harness)`` against a freshly built bot; returns the harness after.

    The bot serves the session's fixture engine over the session's data folder, or, given
    ``data_dir``, the catalogue built there (for reloads, which write to it). ``api`` replaces
    the fake Bot API; other keyword arguments change the settings.
    """

    def run(
        scenario: Scenario,
        data_dir: Path | None = None,
        api: FakeBotApi | None = None,
        **settings_changes: Any,
    ) -> BotHarness:
        settings = make_settings(data_dir or built.data_dir, **settings_changes)
        holder = EngineHolder(Engine.load(data_dir / "processed") if data_dir else engine)
        api = api or FakeBotApi()
        application = build_application(settings, holder, request=api)
        harness = BotHarness(application, api, holder, settings)

        async def main() -> None:
            # What run_polling does around its updates, minus the polling.
            await application.initialize()
            await post_init(application)
            await application.start()
            try:
                await scenario(harness)
            finally:
                await application.stop()
                await application.shutdown()
                await post_shutdown(application)

        asyncio.run(main())
        return harness

    return run
