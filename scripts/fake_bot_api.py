"""A fake Telegram Bot API server on 127.0.0.1, for load and fault tests of the real bot process.

Point the bot at it with ``TELEGRAM_API_BASE_URL=<api.base_url>``. It answers the methods the
bot calls the way Telegram does (``{"ok": true, "result": …}`` with realistic ``Message``
objects, ``400 Bad Request`` for an edit that changes nothing or a chat it never saw) and records
every call with the ``time.perf_counter()`` of its arrival.

Updates go in with :meth:`FakeBotApi.push`: they wait for ``getUpdates`` (long polling, honouring
``offset``, ``limit`` and ``timeout``, so acknowledged updates are dropped) or, once the bot set a
webhook, are posted to it with the secret-token header, as Telegram would. The ``*_update``
methods build the updates themselves. Hooks for fault tests: :meth:`FakeBotApi.fail` queues error
answers for a method, ``delay`` slows a method down, ``latency`` slows every answer (as a real
network does), and ``listeners`` see each call as it lands.

The server is an ``aiohttp.web`` application on the caller's asyncio event loop, served the way
the bot serves its webhook (:func:`bot.webhook.serve`, with no access log).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.webhook import serve

BOT_ID = 4242
BOT_USERNAME = "StreamBot"
TOKEN = "123456:FAKE-api-token"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Parameters sent as plain strings however they look; the others are JSON values, as PTB sends.
_TEXT_FIELDS = frozenset(
    {
        "text",
        "caption",
        "query",
        "url",
        "secret_token",
        "next_offset",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "file_id",
        "parse_mode",
        "language_code",
    }
)
# Methods whose whole answer is ``true``.
_TRUE_METHODS = frozenset(
    {
        "setMyCommands",
        "deleteMyCommands",
        "answerCallbackQuery",
        "answerInlineQuery",
        "sendChatAction",
        "close",
        "logOut",
    }
)
# Bot API calls, by GET or POST, and downloads of the files users sent.
_METHOD_ROUTE = r"/bot{token:[^/]+}/{method:\w+}"
_FILE_ROUTE = r"/file/bot{token:[^/]+}/{path:.+}"
# Telegram takes uploads of up to 50 MB.
_MAX_BODY_BYTES = 50 << 20
_COMMAND = re.compile(r"^/[A-Za-z0-9_]+(?:@\w+)?")


def command_entities(text: str) -> list[dict]:
    """The ``bot_command`` entity Telegram gives a text (or caption) that starts with one.

    >>> command_entities("/where@StreamBot up"), command_entities("up")
    ([{'type': 'bot_command', 'offset': 0, 'length': 16}], [])
    """
    command = _COMMAND.match(text)
    if command is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": len(command.group(0))}]


WEBHOOK_CONNECTIONS = 40  # Telegram's default max_connections


class ApiError(Exception):
    """An error answer: Telegram's ``error_code``, ``description`` and ``parameters``."""

    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass
class Call:
    """One Bot API request as it landed: the method, its parameters and the bot's files."""

    method: str
    params: dict[str, Any]
    at: float
    files: dict[str, bytes] = field(default_factory=dict)
    # What the server answered: the result, or the ApiError.
    result: Any = None

    @property
    def chat_id(self) -> int | None:
        chat_id = self.params.get("chat_id")
        return chat_id if isinstance(chat_id, int) else None

    @property
    def text(self) -> str:
        """A message's text, or a photo's caption."""
        return str(self.params.get("text", self.params.get("caption", "")))

    @property
    def buttons(self) -> list[str]:
        """The callback data of every inline button, row by row."""
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        return [button.get("callback_data", "") for row in rows for button in row]

    @property
    def reply_to(self) -> int | None:
        """The id of the message this one replies to, if any."""
        return reply_to(self.params)


def reply_to(params: dict[str, Any]) -> int | None:
    """The id of the message a ``send*`` call replies to, if any."""
    parameters = params.get("reply_parameters") or {}
    return parameters.get("message_id") if isinstance(parameters, dict) else None


def chat_member(user_id: int, status: str) -> dict:
    """``getChatMember``'s answer for a user of ``status``: "creator", "administrator" (with
    no rights but managing the chat) or "member"."""
    member: dict[str, Any] = {
        "status": status,
        "user": {"id": user_id, "is_bot": False, "first_name": "A"},
    }
    if status == "administrator":
        rights = ("can_delete_messages", "can_manage_video_chats", "can_restrict_members")
        rights += ("can_promote_members", "can_change_info", "can_invite_users")
        rights += ("can_post_stories", "can_edit_stories", "can_delete_stories", "can_be_edited")
        member |= dict.fromkeys(rights, False) | {"can_manage_chat": True}
    if status in ("creator", "administrator"):
        member["is_anonymous"] = False
    return member


class FakeBotApi:
    """The Bot API of one bot (``token``), served on 127.0.0.1; see the module docstring.

    ``statuses`` holds ``getChatMember``'s answer by (chat id, user id); anyone else is a
    "member"."""

    def __init__(
        self, token: str = TOKEN, username: str = BOT_USERNAME, latency: float = 0.0
    ) -> None:
        self.token = token
        # What a real network adds: each answer reaches the bot, and each webhook post
        # leaves, this many seconds later.
        self.latency = latency
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": username,
            "username": username,
        }
        self.calls: list[Call] = []
        self.listeners: list[Callable[[Call], None]] = []
        self.delay: dict[str, float] = {}
        self.files: dict[str, bytes] = {}
        # When each update was made available (pushed), by update_id.
        self.pushed_at: dict[int, float] = {}
        self.webhook: dict[str, Any] = {}
        self.chats: dict[int, dict] = {}
        self.messages: dict[tuple[int, int], dict] = {}
        self.statuses: dict[tuple[int, int], str] = {}
        self._failures: dict[str, deque[ApiError]] = defaultdict(deque)
        self._pending: deque[dict] = deque()
        self._waiters: list[asyncio.Future] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = defaultdict(lambda: itertools.count(1))
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._deliveries: set[asyncio.Task] = set()
        self._slots = asyncio.Semaphore(WEBHOOK_CONNECTIONS)
        self.port = 0

    # -- running -------------------------------------------------------------------------------
    async def start(self) -> FakeBotApi:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=_MAX_BODY_BYTES)
        app.router.add_get(_METHOD_ROUTE, self._serve_method, allow_head=False)
        app.router.add_post(_METHOD_ROUTE, self._serve_method)
        app.router.add_get(_FILE_ROUTE, self._serve_file, allow_head=False)
        self._runner = await serve(app, 0, "127.0.0.1")
        self.port = self._runner.addresses[0][1]
        # aiohttp, not httpx: at a few hundred posts a second httpx's CPU made this process,
        # not the bot, the bottleneck of a webhook load test.
        self._client = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=WEBHOOK_CONNECTIONS),
            timeout=aiohttp.ClientTimeout(total=30),
        )
        return self

    async def stop(self) -> None:
        for task in list(self._deliveries):
            task.cancel()
        await asyncio.gather(*self._deliveries, return_exceptions=True)
        self._wake()  # long polls answer now, so the server has no request left to wait for
        if self._runner is not None:
            await self._runner.cleanup()
        if self._client is not None:
            await self._client.close()

    async def __aenter__(self) -> FakeBotApi:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """The bot's ``TELEGRAM_API_BASE_URL``."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- fault hooks ---------------------------------------------------------------------------
    def fail(
        self,
        method: str,
        code: int = 500,
        description: str = "Internal Server Error",
        parameters: dict | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with this error; e.g. ``fail(
        "sendMessage", 429, "Too Many Requests: retry after 1", {"retry_after": 1})``."""
        self._failures[method].extend(ApiError(code, description, parameters) for _ in range(times))

    # -- updates in ----------------------------------------------------------------------------
    def push(self, update: dict) -> int:
        """Make ``update`` available to the bot (``update_id`` is set here); its id."""
        update_id = next(self._update_ids)
        update = {"update_id": update_id, **update}
        self.pushed_at[update_id] = time.perf_counter()
        if self.webhook:
            task = asyncio.get_running_loop().create_task(self._deliver(update))
            self._deliveries.add(task)
            task.add_done_callback(self._deliveries.discard)
        else:
            self._pending.append(update)
            self._wake()
        return update_id

    @property
    def waiting(self) -> int:
        """Updates pushed and not yet fetched (nor acknowledged), or still being posted."""
        return len(self._pending) + len(self._deliveries)

    async def _deliver(self, update: dict) -> None:
        """Post ``update`` to the webhook, with up to 40 requests in flight, like Telegram."""
        if self.latency:
            await asyncio.sleep(self.latency)
        async with self._slots:
            url = self.webhook["url"]
            secret = self.webhook.get("secret_token")
            headers = {SECRET_HEADER: secret} if secret else {}
            for attempt in range(3):
                try:
                    async with self._client.post(url, json=update, headers=headers) as response:
                        status = response.status
                        await response.read()
                except (aiohttp.ClientError, TimeoutError):
                    await asyncio.sleep(0.2 * (attempt + 1))
                    continue
                if status < 500:
                    return
                await asyncio.sleep(0.2 * (attempt + 1))

    def _wake(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def _get_updates(self, params: dict) -> list[dict]:
        if self.webhook:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        while self._pending and self._pending[0]["update_id"] < offset:
            self._pending.popleft()
        timeout = float(params.get("timeout") or 0)
        if not self._pending and timeout > 0:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, timeout)
        limit = int(params.get("limit") or 100)
        return list(itertools.islice(self._pending, max(1, min(limit, 100))))

    # -- update factories ----------------------------------------------------------------------
    def user(self, user_id: int, language_code: str = "en", first_name: str = "Ana") -> dict:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }

    def private_chat(self, user: dict) -> dict:
        return self._chat({"id": user["id"], "type": "private", "first_name": user["first_name"]})

    def group_chat(self, chat_id: int, title: str = "Movie night") -> dict:
        """A supergroup: ``chat_id`` is negative, as Telegram's are."""
        return self._chat({"id": chat_id, "type": "supergroup", "title": title})

    def _chat(self, chat: dict) -> dict:
        return self.chats.setdefault(chat["id"], chat)

    def message_update(
        self, chat: dict, user: dict, text: str, reply_to: dict | None = None
    ) -> dict:
        """A new text message; a leading /command gets its ``bot_command`` entity."""
        message = self._message(chat, user, text=text)
        entities = command_entities(text)
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        self.messages[chat["id"], message["message_id"]] = message
        return {"message": message}

    def callback_update(self, user: dict, message: dict, data: str) -> dict:
        """A press of the button with ``data`` on ``message``, one of the bot's."""
        query = {
            "id": str(next(self._ids) * 7919 + 10**15),
            "from": user,
            "chat_instance": str(message["chat"]["id"]),
            "data": data,
            "message": message,
        }
        return {"callback_query": query}

    def inline_update(self, user: dict, query: str, offset: str = "") -> dict:
        """``@bot query`` typed by ``user``."""
        inline = {"id": str(next(self._ids) * 7919 + 2 * 10**15), "from": user}
        return {"inline_query": {**inline, "query": query, "offset": offset}}

    def bot_message(self, chat: dict, text: str, buttons: Sequence[Sequence[str]] = ()) -> dict:
        """A message as if the bot had sent it earlier, with buttons of that callback data."""
        markup = {
            "inline_keyboard": [[{"text": d, "callback_data": d} for d in r] for r in buttons]
        }
        message = self._message(chat, self.bot_user, text=text, reply_markup=markup)
        self.messages[chat["id"], message["message_id"]] = message
        return message

    def _message(self, chat: dict, sender: dict, **fields: Any) -> dict:
        message_id = next(self._message_ids[chat["id"]])
        fields = {key: value for key, value in fields.items() if value}
        return {
            "message_id": message_id,
            "from": sender,
            "chat": chat,
            "date": int(time.time()),
            **fields,
        }

    # -- answering -----------------------------------------------------------------------------
    async def answer(self, method: str, params: dict, files: dict[str, bytes]) -> Any:
        """Record the call, apply the fault hooks, and give Telegram's result (or raise)."""
        call = Call(method, params, time.perf_counter(), files)
        self.calls.append(call)
        try:
            if self.delay.get(method):
                await asyncio.sleep(self.delay[method])
            if self._failures.get(method):
                raise self._failures[method].popleft()
            call.result = await self._result(method, params)
        except ApiError as error:
            call.result = error
            raise
        finally:
            for listener in self.listeners:
                listener(call)
            if self.latency:
                await asyncio.sleep(self.latency)
        return call.result

    async def _result(self, method: str, params: dict) -> Any:
        if method == "getUpdates":
            return await self._get_updates(params)
        if method == "getMe":
            return {
                **self.bot_user,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": True,
            }
        if method in _TRUE_METHODS:
            return True
        if method == "deleteWebhook":
            self.webhook = {}
            if params.get("drop_pending_updates"):
                self._pending.clear()
            return True
        if method == "setWebhook":
            self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
            pending, self._pending = list(self._pending), deque()
            for update in pending:  # what waited for getUpdates now goes to the webhook
                task = asyncio.get_running_loop().create_task(self._deliver(update))
                self._deliveries.add(task)
                task.add_done_callback(self._deliveries.discard)
            return True
        if method == "getWebhookInfo":
            return {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": self.waiting,
            }
        if method in ("sendMessage", "sendPhoto"):
            return self._send(method, params)
        if method == "editMessageText":
            return self._edit(params)
        if method == "getChatMember":
            key = (int(params["chat_id"]), int(params["user_id"]))
            return chat_member(key[1], self.statuses.get(key, "member"))
        if method == "getFile":
            file_id = str(params["file_id"])
            if file_id not in self.files:
                raise ApiError(400, "Bad Request: invalid file_id")
            return {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": len(self.files[file_id]),
                "file_path": f"documents/{file_id}",
            }
        raise ApiError(404, "Not Found")

    def _chat_of(self, params: dict) -> dict:
        chat = self.chats.get(params.get("chat_id"))  # type: ignore[arg-type]
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _send(self, method: str, params: dict) -> dict:
        chat = self._chat_of(params)
        fields: dict[str, Any] = {"reply_markup": params.get("reply_markup")}
        if method == "sendPhoto":
            size = {"file_unique_id": f"u{next(self._ids)}", "width": 1280, "height": 720}
            fields["photo"] = [{"file_id": f"photo{next(self._ids)}", **size}]
            fields["caption"] = params.get("caption")
        else:
            fields["text"] = params.get("text")
        message = self._message(chat, self.bot_user, **fields)
        replied = self.messages.get((chat["id"], reply_to(params)))
        if replied is not None:
            message["reply_to_message"] = replied
        self.messages[chat["id"], message["message_id"]] = message
        return message

    def _edit(self, params: dict) -> dict | bool:
        if "inline_message_id" in params:
            return True
        chat = self._chat_of(params)
        message = self.messages.get((chat["id"], params.get("message_id")))  # type: ignore[arg-type]
        if message is None or message["from"]["id"] != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if message.get("text") == params.get("text") and message.get("reply_markup") == markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        edited = {**message, "text": params.get("text"), "edit_date": int(time.time())}
        edited.pop("reply_markup", None)
        if markup:
            edited["reply_markup"] = markup
        self.messages[chat["id"], message["message_id"]] = edited
        return edited

    # -- serving -------------------------------------------------------------------------------
    async def _serve_method(self, request: web.Request) -> web.Response:
        """A Bot API call: Telegram's ``{"ok": …}`` answer, with its status."""
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            params, files = await _parameters(request)
            result = await self.answer(request.match_info["method"], params, files)
        except ApiError as error:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.code,
                "description": error.description,
            }
            if error.parameters:
                body["parameters"] = error.parameters
            return web.json_response(body, status=error.code)
        return web.json_response({"ok": True, "result": result})

    async def _serve_file(self, request: web.Request) -> web.Response:
        """The download of a file a user sent, at the ``file_path`` of ``getFile``."""
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        self.calls.append(Call("download", {"file_id": file_id}, time.perf_counter()))
        if request.match_info["token"] != self.token or file_id not in self.files:
            raise web.HTTPNotFound()
        return web.Response(body=self.files[file_id])

    # -- what tests read -----------------------------------------------------------------------
    def of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]


async def _parameters(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    """A request's parameters, from its query, form, multipart or JSON body, and its files."""
    # A name given twice keeps its last value; the body's win over the query's.
    arguments: dict[str, Any] = dict(request.query.items())
    files: dict[str, bytes] = {}
    if request.content_type == "multipart/form-data":
        async for part in await request.multipart():
            content = bytes(await part.read())
            if part.name and part.filename:
                files.setdefault(part.name, content)
            elif part.name:
                arguments[part.name] = content.decode()
    elif request.content_type == "application/x-www-form-urlencoded":
        arguments.update((await request.post()).items())
    elif request.content_type == "application/json" and (body := await request.read()):
        # Like Telegram: a JSON body's string values are read as form values would be, so
        # "123" is a chat id and a JSON-encoded string is a keyboard.
        arguments.update(json.loads(body))
    params: dict[str, Any] = {}
    for name, raw in arguments.items():
        if name in _TEXT_FIELDS or not isinstance(raw, str):
            params[name] = raw
            continue
        try:
            params[name] = json.loads(raw)
        except ValueError:
            params[name] = raw
    return params, files
