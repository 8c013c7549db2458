"""The fake Telegram Bot API of the tests, ``make loadtest`` and the scripts.

One answering core, :class:`BotApi`, answers the methods the bot calls the way Telegram does
(``{"ok": true, "result": …}`` with realistic ``Message`` objects, ``400 Bad Request`` for an
edit that changes nothing or a chat it never saw) and records every call, as a :class:`Call`,
with the ``time.perf_counter()`` of its arrival. Two thin transports put it in front of the bot:

- :class:`FakeBotApi`, an HTTP server on 127.0.0.1 for the real bot process: point the bot at it
  with ``TELEGRAM_API_BASE_URL=<api.base_url>``. It is an ``aiohttp.web`` application on the
  caller's asyncio event loop, served the way the bot serves its webhook
  (:func:`bot.telegram.webhook.serve`, with no access log).
- :class:`FakeBotRequest`, PTB's ``BaseRequest`` for an ``Application`` in the test's process:
  PTB's own HTTP layer is replaced, so every call goes through PTB as in production and lands
  in the core without a socket. The tests feed it updates the core never saw, so it takes any
  chat and any message as real (``knows_every_chat`` off).

Updates go in with :meth:`BotApi.push`: they wait for ``getUpdates`` (long polling, honouring
``offset``, ``limit`` and ``timeout``, so acknowledged updates are dropped) or, once the bot set a
webhook, are posted to it with the secret-token header, as Telegram would. The ``*_update``
methods build the updates themselves. Hooks for fault tests: ``fail`` queues error answers for
a method, ``delay`` slows a method down, ``latency`` slows every answer (as a real network
does), ``listeners`` see each call as it lands, and ``statuses`` say who runs a group.

Polls: ``sendPoll`` answers a message holding a poll with a fresh poll id, and ``stopPoll``
closes it. :meth:`BotApi.poll_answer_update` casts (or takes back) a user's vote, keeping the
poll's counts, and :meth:`BotApi.poll_update` gives the poll's state as Telegram sends it to
the bot that sent it, closing it first when told to, as its ``open_period`` running out does.
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
from telegram.request import BaseRequest, RequestData

from bot.telegram.webhook import serve

BOT_ID = 4242
BOT_USERNAME = "StreamBot"
TOKEN = f"{BOT_ID}:FAKE-api-token"
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
        "question",
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
# The first id of the messages in each chat; tests may quote a bot message by it.
FIRST_MESSAGE_ID = 1000


class ApiError(Exception):
    """An error answer: Telegram's ``error_code``, ``description`` and ``parameters``."""

    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters

    def body(self) -> dict[str, Any]:
        """Telegram's ``{"ok": false, …}`` answer."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class Call:
    """One Bot API request as it landed: the method, its parameters and the bot's files."""

    method: str
    params: dict[str, Any]
    # Uploaded files (a photo, say) by field name: their bytes.
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = field(default_factory=time.perf_counter)
    # What the API answered: the result, or the ApiError.
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
    def buttons(self) -> list[tuple[str, str]]:
        """``(label, callback_data)`` of every inline button, row by row."""
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        return [(button["text"], button.get("callback_data", "")) for row in rows for button in row]

    @property
    def reply_to(self) -> int | None:
        """The id of the message this one replies to, if any."""
        return reply_to(self.params)


def reply_to(params: dict[str, Any]) -> int | None:
    """The id of the message a ``send*`` call replies to, if any."""
    parameters = params.get("reply_parameters") or {}
    return parameters.get("message_id") if isinstance(parameters, dict) else None


class BotApi:
    """The Bot API of one bot (``token``): what each method answers, and every call recorded.

    ``knows_every_chat``: every update reached the bot through :meth:`push`, so a chat or a
    message the API never saw is an error, as on Telegram. Off, any chat and any message to
    edit is taken as it comes: the caller hands updates to the bot some other way.

    ``fail`` maps a method to the (HTTP status, description, parameters) answers used, one per
    call, before it succeeds again. ``files`` holds what users sent, by ``file_id``, for
    ``getFile`` and the download after it. ``statuses`` holds ``getChatMember``'s answer by
    (chat id, user id): "creator" or "administrator"; anyone else is a "member".
    """

    def __init__(
        self,
        token: str = TOKEN,
        username: str = BOT_USERNAME,
        latency: float = 0.0,
        knows_every_chat: bool = True,
    ) -> None:
        self.token = token
        # What a real network adds: each answer reaches the bot, and each webhook post
        # leaves, this many seconds later.
        self.latency = latency
        self.knows_every_chat = knows_every_chat
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": username,
            "username": username,
        }
        self.calls: list[Call] = []
        self.listeners: list[Callable[[Call], None]] = []
        self.fail: dict[str, list[tuple[int, str, dict]]] = {}
        self.delay: dict[str, float] = {}
        self.files: dict[str, bytes] = {}
        self.statuses: dict[tuple[int, int], str] = {}
        # The polls the bot sent, by poll id, and each one's votes: user id → option numbers.
        self.polls: dict[str, dict] = {}
        self.votes: dict[str, dict[int, tuple[int, ...]]] = {}
        # When each update was made available (pushed), by update_id.
        self.pushed_at: dict[int, float] = {}
        self.webhook: dict[str, Any] = {}
        self.chats: dict[int, dict] = {}
        self.messages: dict[tuple[int, int], dict] = {}
        self._pending: deque[dict] = deque()
        self._waiters: list[asyncio.Future] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = defaultdict(
            lambda: itertools.count(FIRST_MESSAGE_ID)
        )
        self._serial = itertools.count(1)
        # Webhook posts: the HTTP transport opens the client, as only a bot process has a
        # webhook to post to.
        self._client: aiohttp.ClientSession | None = None
        self._deliveries: set[asyncio.Task] = set()
        self._slots = asyncio.Semaphore(WEBHOOK_CONNECTIONS)

    # -- updates in ----------------------------------------------------------------------------
    def push(self, update: dict) -> int:
        """Make ``update`` available to the bot (``update_id`` is set here); its id."""
        update_id = next(self._update_ids)
        update = {"update_id": update_id, **update}
        self.pushed_at[update_id] = time.perf_counter()
        if self.webhook:
            self._deliver_later(update)
        else:
            self._pending.append(update)
            self._wake()
        return update_id

    @property
    def waiting(self) -> int:
        """Updates pushed and not yet fetched (nor acknowledged), or still being posted."""
        return len(self._pending) + len(self._deliveries)

    def _deliver_later(self, update: dict) -> None:
        task = asyncio.get_running_loop().create_task(self._deliver(update))
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

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

    async def _stop_delivering(self) -> None:
        for task in list(self._deliveries):
            task.cancel()
        await asyncio.gather(*self._deliveries, return_exceptions=True)
        self._wake()  # long polls answer now, so no request is left waiting

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
            "id": str(next(self._serial) * 7919 + 10**15),
            "from": user,
            "chat_instance": str(message["chat"]["id"]),
            "data": data,
            "message": message,
        }
        return {"callback_query": query}

    def inline_update(self, user: dict, query: str, offset: str = "") -> dict:
        """``@bot query`` typed by ``user``."""
        inline = {"id": str(next(self._serial) * 7919 + 2 * 10**15), "from": user}
        return {"inline_query": {**inline, "query": query, "offset": offset}}

    def poll_answer_update(self, user: dict, poll_id: str, option_ids: Sequence[int]) -> dict:
        """``user``'s vote of ``option_ids`` in poll ``poll_id`` (none: their vote taken back);
        the poll's counts follow it."""
        poll = self.polls[poll_id]
        votes = self.votes.setdefault(poll_id, {})
        if option_ids:
            votes[user["id"]] = tuple(option_ids)
        else:
            votes.pop(user["id"], None)
        for number, option in enumerate(poll["options"]):
            option["voter_count"] = sum(number in chosen for chosen in votes.values())
        poll["total_voter_count"] = len(votes)
        persistent = [poll["options"][number]["persistent_id"] for number in option_ids]
        answer = {"poll_id": poll_id, "user": user, "option_ids": list(option_ids)}
        return {"poll_answer": {**answer, "option_persistent_ids": persistent}}

    def poll_update(self, poll_id: str, close: bool = False) -> dict:
        """Poll ``poll_id`` as it is now; ``close`` closes it first, as Telegram does when its
        ``open_period`` runs out."""
        if close:
            self.polls[poll_id]["is_closed"] = True
        return {"poll": json.loads(json.dumps(self.polls[poll_id]))}

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
        call = Call(method, params, files)
        self.calls.append(call)
        try:
            if self.delay.get(method):
                await asyncio.sleep(self.delay[method])
            failures = self.fail.get(method)
            if failures:
                raise ApiError(*failures.pop(0))
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

    def download(self, file_id: str) -> bytes | None:
        """The bytes of a file a user sent, at the ``file_path`` of ``getFile``; recorded."""
        self.calls.append(Call("download", {"file_id": file_id}))
        return self.files.get(file_id)

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
                self._deliver_later(update)
            return True
        if method == "getWebhookInfo":
            return {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": self.waiting,
            }
        if method in ("sendMessage", "sendPhoto", "sendPoll"):
            return self._send(method, params)
        if method == "stopPoll":
            return self._stop_poll(params)
        if method == "editMessageText":
            return self._edit(params)
        if method == "editMessageReplyMarkup":
            return self._edit_markup(params)
        if method == "getChatMember":
            return self._member(int(params["chat_id"]), int(params["user_id"]))
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
        chat_id = params.get("chat_id")
        chat = self.chats.get(chat_id)  # type: ignore[arg-type]
        if chat is not None:
            return chat
        if self.knows_every_chat:
            raise ApiError(400, "Bad Request: chat not found")
        chat_id = int(chat_id)  # type: ignore[arg-type]
        return {"id": chat_id, "type": "private" if chat_id > 0 else "group"}

    def _send(self, method: str, params: dict) -> dict:
        chat = self._chat_of(params)
        fields: dict[str, Any] = {"reply_markup": _inline_keyboard(params)}
        if method == "sendPhoto":
            size = {"file_unique_id": f"u{next(self._serial)}", "width": 1280, "height": 720}
            fields["photo"] = [{"file_id": f"photo{next(self._serial)}", **size}]
            fields["caption"] = params.get("caption")
        elif method == "sendPoll":
            fields["poll"] = self._new_poll(params)
        else:
            fields["text"] = params.get("text")
        message = self._message(chat, self.bot_user, **fields)
        replied = self.messages.get((chat["id"], reply_to(params)))  # type: ignore[arg-type]
        if replied is not None:
            message["reply_to_message"] = replied
        self.messages[chat["id"], message["message_id"]] = message
        return message

    def _new_poll(self, params: dict) -> dict:
        """The poll ``sendPoll`` makes of ``params``, kept by its fresh id."""
        options = [
            {
                "text": option["text"] if isinstance(option, dict) else str(option),
                "voter_count": 0,
                "persistent_id": str(number),
            }
            for number, option in enumerate(params.get("options") or [])
        ]
        if not 2 <= len(options) <= 12 or any(not 1 <= len(o["text"]) <= 100 for o in options):
            raise ApiError(400, "Bad Request: poll options must be 2-12 texts of 1-100 characters")
        if not 1 <= len(str(params.get("question", ""))) <= 300:
            raise ApiError(400, "Bad Request: poll question must be 1-300 characters")
        poll: dict[str, Any] = {
            "id": str(next(self._serial) * 7919 + 3 * 10**15),
            "question": str(params["question"]),
            "options": options,
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": params.get("is_anonymous", True) is not False,
            "type": params.get("type") or "regular",
            "allows_multiple_answers": bool(params.get("allows_multiple_answers")),
            "allows_revoting": True,
            "members_only": False,
        }
        if params.get("open_period"):
            poll["open_period"] = int(params["open_period"])
            poll["close_date"] = int(time.time()) + poll["open_period"]
        self.polls[poll["id"]] = poll
        return poll

    def _stop_poll(self, params: dict) -> dict:
        """Close the poll of a message the bot sent; its keyboard goes, unless one is given."""
        chat = self._chat_of(params)
        message = self.messages.get((chat["id"], int(params["message_id"])))
        poll = None if message is None else self.polls.get(message.get("poll", {}).get("id"))
        if poll is None:
            raise ApiError(400, "Bad Request: message with poll to stop not found")
        if poll["is_closed"]:
            raise ApiError(400, "Bad Request: poll has already been closed")
        poll["is_closed"] = True
        message.pop("reply_markup", None)
        markup = _inline_keyboard(params)
        if markup:
            message["reply_markup"] = markup
        return poll

    def _edit(self, params: dict) -> dict | bool:
        if "inline_message_id" in params:
            return True
        chat = self._chat_of(params)
        message_id = int(params["message_id"])
        markup = _inline_keyboard(params)
        if self.knows_every_chat:
            message = self.messages.get((chat["id"], message_id))
            if message is None or message["from"]["id"] != self.bot_user["id"]:
                raise ApiError(400, "Bad Request: message to edit not found")
            if message.get("text") == params.get("text") and message.get("reply_markup") == markup:
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup of "
                    "the message",
                )
        else:  # the message is one the caller made up: what the user sees is not known
            message = {
                "message_id": message_id,
                "from": self.bot_user,
                "chat": chat,
                "date": int(time.time()),
            }
        edited = {**message, "text": params.get("text"), "edit_date": int(time.time())}
        edited.pop("reply_markup", None)
        if markup:
            edited["reply_markup"] = markup
        self.messages[chat["id"], message_id] = edited
        return edited

    def _edit_markup(self, params: dict) -> dict | bool:
        """A message's new buttons, its text kept."""
        if "inline_message_id" in params:
            return True
        chat = self._chat_of(params)
        message = self.messages.get((chat["id"], int(params["message_id"])))
        if message is None:
            if self.knows_every_chat:
                raise ApiError(400, "Bad Request: message to edit not found")
            message = {"message_id": int(params["message_id"]), "from": self.bot_user, "chat": chat}
        markup = _inline_keyboard(params)
        if message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        edited = {**message, "edit_date": int(time.time())}
        edited.pop("reply_markup", None)
        if markup:
            edited["reply_markup"] = markup
        self.messages[chat["id"], edited["message_id"]] = edited
        return edited

    def _member(self, chat_id: int, user_id: int) -> dict:
        status = self.statuses.get((chat_id, user_id), "member")
        member = {"status": status, "user": {"id": user_id, "is_bot": False, "first_name": "A"}}
        if status == "administrator":
            rights = ("can_manage_chat", "can_delete_messages", "can_manage_video_chats")
            rights += ("can_restrict_members", "can_promote_members", "can_change_info")
            rights += ("can_invite_users", "can_post_stories", "can_edit_stories")
            rights += ("can_delete_stories", "can_be_edited", "is_anonymous")
            member |= dict.fromkeys(rights, False)
        return member | {"is_anonymous": False} if status == "creator" else member

    # -- what tests read -----------------------------------------------------------------------
    def of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    @property
    def sent(self) -> list[Call]:
        return self.of("sendMessage")


class FakeBotApi(BotApi):
    """The Bot API served over HTTP on 127.0.0.1, for the real bot process."""

    def __init__(
        self, token: str = TOKEN, username: str = BOT_USERNAME, latency: float = 0.0
    ) -> None:
        super().__init__(token, username, latency)
        self._runner: web.AppRunner | None = None
        self.port = 0

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
        await self._stop_delivering()
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

    async def _serve_method(self, request: web.Request) -> web.Response:
        """A Bot API call: Telegram's ``{"ok": …}`` answer, with its status."""
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            params, files = await _parameters(request)
            result = await self.answer(request.match_info["method"], params, files)
        except ApiError as error:
            return web.json_response(error.body(), status=error.code)
        return web.json_response({"ok": True, "result": result})

    async def _serve_file(self, request: web.Request) -> web.Response:
        """The download of a file a user sent, at the ``file_path`` of ``getFile``."""
        content = self.download(request.match_info["path"].rsplit("/", 1)[-1])
        if request.match_info["token"] != self.token or content is None:
            raise web.HTTPNotFound()
        return web.Response(body=content)


class FakeBotRequest(BotApi, BaseRequest):
    """The Bot API as PTB's ``BaseRequest``, for an ``Application`` in this process: pass it as
    ``request=``. The tests hand updates to the application, so any chat is taken as real."""

    def __init__(self) -> None:
        super().__init__(knows_every_chat=False)

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
            content = self.download(url.rsplit("/", 1)[-1])
            return (404, b"") if content is None else (200, content)
        params = dict(request_data.parameters) if request_data else {}
        files = {}
        if request_data is not None and request_data.contains_files:
            files = {
                name: value[1] if isinstance(value, tuple) else value
                for name, value in request_data.multipart_data.items()
            }
        try:
            result = await self.answer(url.rsplit("/", 1)[-1], params, files)
        except ApiError as error:
            return error.code, json.dumps(error.body()).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()


def _inline_keyboard(params: dict[str, Any]) -> dict | None:
    """A call's ``reply_markup`` as its message keeps it: only an inline keyboard stays."""
    markup = params.get("reply_markup")
    return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None


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
