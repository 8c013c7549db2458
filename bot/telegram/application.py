"""The Telegram front end: ``build_application`` wires every handler in one place; ``run_bot``
polls or serves a webhook.

Handlers only turn updates into intents and replies into Bot API calls; parsing is
``bot.chat.parsing``, every reply is ``bot.chat.replies`` and the admin flows are
``bot.admin``, the same as in the console.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    Chat,
    ChatMember,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputFile,
    InputPollOption,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    SwitchInlineQueryChosenChat,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    ExtBot,
    InlineQueryHandler,
    MessageHandler,
    PollAnswerHandler,
    PollHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.admin import Admin, UploadRequest
from bot.charts import ChartCache
from bot.chat import callbacks, commands, parsing, replies
from bot.chat.commands import parse_message
from bot.chat.i18n import CATALOGUES, DEFAULT_LANGUAGE, LANGUAGES, language_for, t
from bot.chat.replies import inline, movienight
from bot.chat.replies.conversation import not_saved_reply, stale_reply
from bot.chat.replies.feedback import relabelled
from bot.chat.state import ChatData, Discovering
from bot.follow import Follower
from bot.logs import configure_logging, redact
from bot.reload import load_engine, release_freed_memory, shared_catalogue
from bot.settings import Settings, parse_database_url
from bot.storage import ChatPrefs, ChatStore, MovieNight, StorageUnavailable
from bot.telegram import webhook
from bot.telegram.http import AiohttpRequest
from bot.telegram.throttle import INLINE_QUERY_COST, Throttle, Verdict
from recommender.engine import Engine, EngineHolder

logger = logging.getLogger(__name__)

HOLDER = "engine_holder"
ADMIN = "admin"
SETTINGS = "settings"
STORE = "chat_store"
CHARTS = "charts"
THROTTLE = "throttle"
SHARED = "shared"
FOLLOWER = "follower"
# The first line of the bot's "tell me a title" prompt, in each language: a reply to it in a
# group is an answer, not chatter. Read off the replied-to message itself, so every worker
# knows it, and so does the bot after a restart.
PROMPT_LINES = frozenset(t(lang, "problem_missing_title") for lang in LANGUAGES)
INLINE_CACHE_SECONDS = 300
# Each chat's settings are read again at most this often: a chat's own /lang or /platforms
# shows at once, another bot process's change to them within this many seconds.
SETTINGS_CACHE_SECONDS = 2.0
# A request that cannot reach Telegram (a refused or reset connection, a 5xx) is sent again
# after 0.5, 1, 2, 4, 8, 8… seconds, ten times: about a minute. An update is acknowledged as
# soon as it is fetched, so the retries must outlast a short outage: giving up sooner loses the
# reply to every update fetched just before it.
NETWORK_RETRIES = 10
RETRY_DELAY_SECONDS = 0.5
MAX_RETRY_DELAY_SECONDS = 8.0
_MENTION = re.compile(r"@\w+")
# New messages only: editing a sent message (say, to fix a typo) must not get a second reply.
NEW_MESSAGES = filters.UpdateType.MESSAGE
# How ``run_polling`` fetches updates (the fault tests poll with the same). No bootstrap
# retries: the rate limiter already retries getMe and deleteWebhook for about a minute, like
# every other call (and the webhook's start-up, which has no bootstrap), and PTB's retries
# would multiply that, so an unreachable Bot API would take minutes to report. After that
# minute the bot exits with one line, for its supervisor to restart it.
POLLING: dict[str, Any] = {"allowed_updates": Update.ALL_TYPES, "bootstrap_retries": 0}


class CustomContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The handler context, with the bot's services as typed properties."""

    @property
    def holder(self) -> EngineHolder:
        return self.bot_data[HOLDER]

    @property
    def engine(self) -> Engine:
        """The engine serving now; take it once per update, so a reload never splits one."""
        return self.holder.engine

    @property
    def admin(self) -> Admin:
        """The admin flows (reload, versions, rollback, uploads) over the served engine."""
        return self.bot_data[ADMIN]

    @property
    def settings(self) -> Settings:
        return self.bot_data[SETTINGS]

    @property
    def store(self) -> ChatStore:
        """Each chat's language and platforms, in SQLite or PostgreSQL."""
        return self.bot_data[STORE]

    @property
    def charts(self) -> ChartCache:
        return self.bot_data[CHARTS]

    @property
    def throttle(self) -> Throttle:
        """Each user's allowance of updates (flood control)."""
        return self.bot_data[THROTTLE]


class RetryingRateLimiter(AIORateLimiter):
    """PTB's rate limiter (which waits out ``RetryAfter``), plus retries of network blips.

    A timed-out ``send*`` call may have reached Telegram, so only those are not retried on a
    timeout: a duplicate message is worse than a missing one.
    """

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as error:
                unsafe = isinstance(error, TimedOut) and endpoint.startswith("send")
                if unsafe or attempt == NETWORK_RETRIES:
                    raise
                delay = min(RETRY_DELAY_SECONDS * 2**attempt, MAX_RETRY_DELAY_SECONDS)
                logger.info("%s failed (%s); retrying in %s s", endpoint, error, delay)
                await asyncio.sleep(delay)
                attempt += 1


async def chat_prefs(update: object, context: CustomContext) -> ChatPrefs:
    """The settings of the chat ``update`` comes from (for an inline query, the user's own
    chat with the bot); the defaults if the database cannot answer, so a database outage
    costs chats their choices for a while, not their answers."""
    if not isinstance(update, Update):
        return ChatPrefs()
    chat, user = update.effective_chat, update.effective_user
    chat_id = chat.id if chat is not None else user.id if user is not None else None
    if chat_id is None:
        return ChatPrefs()
    try:
        return await context.store.read(chat_id)
    except StorageUnavailable:  # the store logs it, once per outage
        return ChatPrefs()


def language(update: object, prefs: ChatPrefs) -> str:
    """The chat's chosen language, else the user's Telegram language (Spanish or English)."""
    if prefs.language in LANGUAGES:
        return prefs.language
    user = update.effective_user if isinstance(update, Update) else None
    return language_for(user.language_code if user else None)


# Who may change a group's language and platforms: everyone in the group shares them, so a
# passing member must not switch them for all.
_GROUP_ADMINS = frozenset({ChatMember.OWNER, ChatMember.ADMINISTRATOR})


async def may_change_settings(update: Update, context: CustomContext) -> bool:
    """Whether the sender may change the chat's settings: anyone in a private chat, a group's
    owner and administrators (anonymous ones too) in a group."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type == Chat.PRIVATE:
        return True
    message = update.message
    if message is not None and message.sender_chat is not None:
        # An anonymous admin writes as the group itself; nobody else can.
        return message.sender_chat.id == chat.id
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as error:
        logger.warning(
            "could not check whether user %s admins chat %s: %s", user.id, chat.id, error
        )
        return False
    return member.status in _GROUP_ADMINS


async def _save(
    update: Update, context: CustomContext, reply: replies.Reply, lang: str
) -> replies.Reply:
    """Store what ``reply`` changes for its chat (the language, the platforms, or its last
    discovery); the reply to send: ``reply``, or one saying a choice was refused or could not
    be saved."""
    store = context.store
    if reply.discovery is not None:
        await _remember(update, context, reply.discovery)
    if reply.suggested is not None:
        return await _keep_suggestion(update, context, reply, lang)
    if reply.changes_settings and not await may_change_settings(update, context):
        return replies.Reply(t(lang, "group_settings_admins"), alert=True)
    if reply.language:
        write, value = store.set_language, reply.language
    elif reply.platforms is not None:
        write, value = store.set_platforms, reply.platforms
    else:
        return reply
    try:
        await store.call(write, update.effective_chat.id, value)
    except StorageUnavailable:
        return not_saved_reply(reply.language or lang)
    return reply


async def _remember(update: Update, context: CustomContext, discovery: Discovering) -> None:
    """Keep ``discovery`` as the chat's last; without the database the list still shows, and
    a follow-up to it asks to start again."""
    chat = update.effective_chat
    if chat is None:
        return
    store = context.store
    with contextlib.suppress(StorageUnavailable):  # the store logs it, once per outage
        await store.call(store.remember_discovery, chat.id, discovery.stamp, discovery.to_json())


async def _last_discovery(update: Update, context: CustomContext) -> Discovering | None:
    """The chat's last discovery, which a follow-up continues; none when the database cannot
    answer."""
    chat = update.effective_chat
    if chat is None:
        return None
    store = context.store
    try:
        remembered = await store.call(store.last_discovery, chat.id)
    except StorageUnavailable:
        return None
    return None if remembered is None else Discovering.from_json(remembered.stamp, remembered.state)


async def _chat_data(update: Update, context: CustomContext) -> ChatData | None:
    """Everything stored for the chat; none when the database cannot answer."""
    store = context.store
    try:
        return await store.call(store.chat_data, update.effective_chat.id)
    except StorageUnavailable:
        return None


def _keyboard(rows: tuple[tuple[replies.Button, ...], ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_telegram_button(button) for button in row] for row in rows])


def _telegram_button(button: replies.Button) -> InlineKeyboardButton:
    if button.share is None:
        return InlineKeyboardButton(button.label, callback_data=button.data)
    chats = SwitchInlineQueryChosenChat(
        query=button.share, allow_user_chats=True, allow_group_chats=True
    )
    return InlineKeyboardButton(button.label, switch_inline_query_chosen_chat=chats)


def _buttons_of(markup: InlineKeyboardMarkup | None) -> tuple[tuple[replies.Button, ...], ...]:
    """A sent message's keyboard as the chat core's buttons (the inverse of ``_keyboard``)."""
    if markup is None:
        return ()
    return tuple(
        tuple(
            replies.Button(
                button.text,
                str(button.callback_data or ""),
                button.switch_inline_query_chosen_chat.query
                if button.switch_inline_query_chosen_chat
                else None,
            )
            for button in row
        )
        for row in markup.inline_keyboard
    )


def _markup(reply: replies.Reply) -> InlineKeyboardMarkup | ForceReply | None:
    if reply.buttons:
        return _keyboard(reply.buttons)
    if reply.prompt:
        # Selective: only the user who asked is prompted, and in a group with privacy mode
        # their answer (a reply to the bot) still reaches the bot.
        return ForceReply(selective=True)
    return None


async def _send(
    message: Message, reply: replies.Reply, context: CustomContext, lang: str
) -> Message:
    if reply.chart is None:
        return await message.reply_text(reply.text, reply_markup=_markup(reply))
    chart = await asyncio.to_thread(
        context.charts.chart, context.engine, lang, CATALOGUES[lang], reply.chart.platform
    )
    return await message.reply_photo(
        InputFile(chart.png, filename="streambot.png"),
        caption=reply.text,
        reply_markup=_markup(reply),
    )


async def _replace(
    query: CallbackQuery, reply: replies.Reply, context: CustomContext, lang: str
) -> None:
    """Show ``reply`` in place of the pressed message, or below it when that cannot be."""
    markup = _markup(reply)
    keyboard = markup if isinstance(markup, InlineKeyboardMarkup) else None
    try:
        await query.edit_message_text(reply.text, reply_markup=keyboard)
    except BadRequest as error:
        if "not modified" in str(error).lower():
            return
        if not isinstance(query.message, Message):
            raise
        await _send(query.message, reply, context, lang)


def _addressed_text(message: Message, bot: ExtBot) -> str | None:
    """The text of a message meant for the bot: any in a private chat; in a group, only a
    reply to the bot or a message that mentions it."""
    text = message.text or ""
    mention = f"@{bot.username}".lower()
    without_mention = _MENTION.sub(
        lambda m: " " if m.group(0).lower() == mention else m.group(0), text
    ).strip()
    if message.chat.type == Chat.PRIVATE:
        return without_mention
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return without_mention
    if mention in text.lower():
        return without_mention
    return None


def _parse(text: str, context: CustomContext) -> parsing.Intent:
    engine = context.engine
    return parse_message(text, engine.registry, context.bot.username, titles=engine)


async def _answer(
    update: Update, context: CustomContext, intent: parsing.Intent, quiet: bool = False
) -> None:
    """Build the reply to ``intent`` and send it (unless ``quiet`` and nothing was found);
    remember a language or platforms switch."""
    if intent.name == parsing.IGNORE:
        return
    command = commands.BY_NAME.get(intent.name)
    if command is not None and command.admin:
        await _admin_answer(update, context, command, intent)
        return
    prefs = await chat_prefs(update, context)
    message = update.effective_message
    lang = commands.reply_language(
        message.text if message else None, intent, language(update, prefs)
    )
    last = await _last_discovery(update, context) if intent.name == parsing.FOLLOW_UP else None
    data = await _chat_data(update, context) if intent.name == parsing.MY_DATA else None
    reply = commands.answer(
        intent,
        context.engine,
        lang,
        context.bot.username,
        prefs.platforms,
        last=last,
        taste=prefs.taste,
        data=data,
        group=_in_group(update),
        suggestions=await _suggestions(update, context, intent),
    )
    if quiet and reply.nothing_found:
        return
    reply = await _save(update, context, reply, lang)
    if reply.poll is not None:
        await _start_movie_night(update, context, reply, lang)
        return
    await _send(update.effective_message, reply, context, reply.language or lang)


# -- handlers --------------------------------------------------------------------------------
async def throttle_update(update: Update, context: CustomContext) -> None:
    """Stop the updates of a user who sends too many too fast; tell them once per flood."""
    user = update.effective_user
    cost = _flood_cost(update, context.bot)
    if user is None or not cost:
        return
    # An inline query has no chat to show a notice in; the next message or press shows it.
    verdict = context.throttle.admit(user.id, cost, can_warn=update.inline_query is None)
    if verdict is Verdict.SERVE:
        return
    if verdict is Verdict.WARN:
        logger.warning("user %s sends too much too fast; ignoring them for a while", user.id)
        text = t(language(update, await chat_prefs(update, context)), "slow_down")
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(_plain(text))
            else:
                await update.effective_message.reply_text(text)
        except TelegramError as error:
            logger.info("could not ask user %s to slow down: %s", user.id, error)
    raise ApplicationHandlerStop


def _flood_cost(update: Update, bot: ExtBot) -> float:
    """What ``update`` takes from its user's allowance: nothing if the bot would not answer
    it (edits, and group chatter that neither commands, mentions nor replies to the bot)."""
    if update.inline_query is not None:
        return INLINE_QUERY_COST
    if update.callback_query is not None:
        return 1.0
    message = update.message
    if message is None:
        return 0.0
    command = (message.text or message.caption or "").startswith("/")
    return 1.0 if command or _addressed_text(message, bot) is not None else 0.0


async def message_command(update: Update, context: CustomContext) -> None:
    """Answer a known command such as /recommend, /duracion or /lang."""
    text = update.effective_message.text or ""
    await _answer(update, context, _parse(text, context))


async def other_command(update: Update, context: CustomContext) -> None:
    """Answer a command no CommandHandler took: /país-style spellings, or an unknown one."""
    message = update.effective_message
    text = message.text or ""
    intent = _parse(text, context)
    addressed = "@" in text.split(maxsplit=1)[0] if text.strip() else False
    in_group = message.chat.type != Chat.PRIVATE
    if intent.name == parsing.UNKNOWN_COMMAND and in_group and not addressed:
        return  # In a group an unaddressed unknown command is probably another bot's.
    await _answer(update, context, intent)


async def free_text_command(update: Update, context: CustomContext) -> None:
    """Answer a message that is not a command: a title, or "something like X"."""
    message = update.effective_message
    if message.via_bot is not None and message.via_bot.id == context.bot.id:
        return  # Our own inline result, posted by a user: nothing to answer.
    text = _addressed_text(message, context.bot)
    if text is None:
        return
    # In a group, a reply to the bot that is not an answer to its prompt nor mentions it may
    # be chatter ("lol"): it gets an answer only if it names something.
    mentioned = f"@{context.bot.username}".lower() in (message.text or "").lower()
    replied = message.reply_to_message
    answering = (
        replied is not None
        and replied.from_user is not None
        and replied.from_user.id == context.bot.id
        and (replied.text or "").split("\n", 1)[0] in PROMPT_LINES
    )
    quiet = message.chat.type != Chat.PRIVATE and not mentioned and not answering
    await _answer(update, context, _parse(text, context), quiet=quiet)


async def _admin(update: Update, context: CustomContext, lang: str, what: str) -> bool:
    """Whether the sender is an admin; anyone else is refused, politely, and logged."""
    user = update.effective_user
    if context.settings.is_admin(user.id if user else None):
        return True
    logger.warning("refused %s from user %s (not an admin)", what, user.id if user else None)
    text = t(lang, "reload_refused" if what == "/reload" else "admin_only")
    if update.callback_query is not None:
        await update.callback_query.answer(_plain(text), show_alert=True)
    else:
        await update.effective_message.reply_text(text)
    return False


async def _admin_language(update: Update, context: CustomContext, what: str) -> str | None:
    """The reply language for an admin's request, or ``None`` after refusing anyone else."""
    lang = language(update, await chat_prefs(update, context))
    return lang if await _admin(update, context, lang, what) else None


async def _admin_answer(
    update: Update, context: CustomContext, command: commands.Command, intent: parsing.Intent
) -> None:
    """Admins only: run an admin command in a worker thread; a long one (a reload) is
    announced first, and refused while another change runs."""
    lang = await _admin_language(update, context, f"/{command.name}")
    if lang is None:
        return
    message = update.effective_message
    if command.long:
        if context.admin.busy:
            await message.reply_text(t(lang, "reload_busy"))
            return
        logger.info("%s started by admin %s", command.name, update.effective_user.id)
        queued = await asyncio.to_thread(lambda: context.admin.queued)
        await message.reply_text(t(lang, "reload_queued" if queued else "reload_started"))
    reply = await asyncio.to_thread(
        commands.answer,
        intent,
        context.engine,
        lang,
        admin=context.admin,
        user=update.effective_user.id,
    )
    await _send(message, reply, context, lang)


async def upload_document(update: Update, context: CustomContext) -> None:
    """Admins only: a CSV sent with the caption /upload <platform>; check it and show the
    dry run, with buttons to apply or drop it."""
    message = update.effective_message
    intent = _parse(message.caption or "", context)
    if intent.name == parsing.IGNORE:
        return  # /upload@OtherBot
    prefs = await chat_prefs(update, context)
    lang = language(update, prefs)
    if intent.name != parsing.UPLOAD:
        # A file sent in a private chat with no /upload caption.
        if context.settings.is_admin(update.effective_user.id):
            await message.reply_text(t(lang, "upload_how"))
        else:
            await message.reply_text(t(lang, "empty"))
        return
    if not await _admin(update, context, lang, "/upload"):
        return
    if intent.problem is not None:
        await _send(message, commands.answer(intent, context.engine, lang), context, lang)
        return
    document = message.document
    upload = UploadRequest(
        filename=document.file_name or "upload.csv",
        platform=str(intent.args["platform"]),
        display_name=str(intent.args["display_name"]),
        uploader=update.effective_user.id,
    )
    # Telegram says how big the file is: one too big is refused without fetching it.
    reply = context.admin.refuse_upload(document.file_size, upload, lang)
    if reply is None:
        await message.reply_text(t(lang, "upload_checking", file=replies.esc(upload.filename)))
        data = bytes(await (await document.get_file()).download_as_bytearray())
        reply = await asyncio.to_thread(context.admin.preview_upload, data, upload, lang)
    await _send(message, reply, context, lang)


async def upload_button(update: Update, context: CustomContext, choice: callbacks.Choice) -> None:
    """Admins only: apply a staged upload (rebuild and swap) or drop it."""
    query = update.callback_query
    lang = await _admin_language(update, context, "an upload button")
    if lang is None:
        return
    token, admin = str(choice.intent.args["token"]), context.admin
    apply = bool(choice.intent.args["apply"])
    first = await asyncio.to_thread(
        admin.start_upload if apply else admin.cancel_upload, token, lang
    )
    if first.alert:
        await query.answer(_plain(first.text), show_alert=True)
        return
    await query.answer()
    await _replace(query, first, context, lang)
    if not apply:
        return
    reply = await asyncio.to_thread(admin.apply_upload, token, lang, update.effective_user.id)
    if isinstance(query.message, Message):
        await _send(query.message, reply, context, lang)


async def choice_button(update: Update, context: CustomContext) -> None:
    """Answer a button: a did-you-mean pick, "More like this", or a page of results."""
    query = update.callback_query
    choice = callbacks.decode(query.data)
    if choice is None:
        await stale_button(update, context)
        return
    if choice.intent.name in ADMIN_BUTTONS:
        await ADMIN_BUTTONS[choice.intent.name](update, context, choice)
        return
    prefs = await chat_prefs(update, context)
    lang = language(update, prefs)
    intent = choice.intent
    last = await _last_discovery(update, context) if intent.name == parsing.FOLLOW_UP else None
    reply = commands.answer(
        intent,
        context.engine,
        lang,
        mine=prefs.platforms,
        last=last,
        taste=prefs.taste,
        group=_in_group(update),
        suggestions=await _suggestions(update, context, intent),
    )
    if reply.feedback is not None or reply.forget:
        await _store_and_show(update, context, reply, lang)
        return
    if isinstance(query.message, Message):
        reply = await _save(update, context, reply, lang)
    if reply.alert:
        await query.answer(_plain(reply.text), show_alert=True)
        return
    if choice.replace or not isinstance(query.message, Message):
        shown = _replace(query, reply, context, lang)
    else:
        shown = _send(query.message, reply, context, lang)
    # The press is acknowledged (its spinner stops) while its answer is shown: one round trip
    # to Telegram instead of two.
    await asyncio.gather(_acknowledge(query), shown)


async def _store_and_show(
    update: Update, context: CustomContext, reply: replies.Reply, lang: str
) -> None:
    """Store a press of 👍, 👎 or 🔖 (or forget the chat), answer it with its notice, and show
    its page in place of the pressed message, or, with none, tick the message's buttons as
    the chat's feedback now has them."""
    query, store, chat_id = update.callback_query, context.store, update.effective_chat.id
    if reply.forget and not await may_change_settings(update, context):
        await query.answer(_plain(t(lang, "group_settings_admins")), show_alert=True)
        return
    try:
        if reply.forget:
            await store.call(store.forget, chat_id)
        else:
            prefs = await store.call(store.give_feedback, chat_id, reply.feedback)
    except StorageUnavailable:
        await query.answer(_plain(not_saved_reply(lang).text), show_alert=True)
        return
    notice = _acknowledge(query, _plain(reply.notice) if reply.notice else None)
    if reply.text:
        await asyncio.gather(notice, _replace(query, reply, context, lang))
        return
    shown = query.message.reply_markup if isinstance(query.message, Message) else None
    rows = relabelled(_buttons_of(shown), prefs.taste, context.engine)
    if rows:
        await asyncio.gather(notice, _relabel(query, _keyboard(rows)))
    else:
        await notice


async def _relabel(query: CallbackQuery, markup: InlineKeyboardMarkup) -> None:
    try:
        await query.edit_message_reply_markup(markup)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


async def _acknowledge(query: CallbackQuery, text: str | None = None) -> None:
    try:
        await query.answer(text)
    except BadRequest as error:
        # A press queued while the bot was down is "too old" to answer; still show the page.
        logger.info("could not answer button %r: %s", query.data, error)


async def stale_button(update: Update, context: CustomContext) -> None:
    """Answer a button whose data this bot does not understand (old or foreign)."""
    query = update.callback_query
    logger.info("stale button %r from user %s", query.data, query.from_user.id)
    lang = language(update, await chat_prefs(update, context))
    await query.answer(_plain(stale_reply(lang).text), show_alert=True)


async def recommend_inline(update: Update, context: CustomContext) -> None:
    """Answer ``@bot <title>`` in any chat with the work and works like it, page by page."""
    query = update.inline_query
    prefs = await chat_prefs(update, context)
    lang = language(update, prefs)
    if not query.query.strip():
        await query.answer([], cache_time=INLINE_CACHE_SECONDS, button=_inline_button(lang))
        return
    ask = replies.Ask(
        context.engine, lang, prefs.platforms, context.bot.username, taste=prefs.taste
    )
    page = inline.inline_page(query.query, ask, query.offset)
    results = [
        InlineQueryResultArticle(
            id=item.id,
            title=item.title,
            description=item.description,
            input_message_content=InputTextMessageContent(item.text),
        )
        for item in page.items
    ]
    await query.answer(
        results,
        cache_time=INLINE_CACHE_SECONDS,
        is_personal=True,  # Replies follow each user's language, platforms and feedback.
        # None, not "", after the last page: with Defaults set, PTB 22.8 turns an empty string
        # into [] (its InputPollOption defaults match any empty sequence), which reaches
        # Telegram as the offset "[]", so the client would ask for the first page again.
        next_offset=page.next_offset or None,
        button=None if results or query.offset else _inline_button(lang),
    )


def _inline_button(lang: str) -> InlineQueryResultsButton:
    return InlineQueryResultsButton(text=t(lang, "inline_button"), start_parameter="inline")


async def error_handler(update: object, context: CustomContext) -> None:
    """Log the failure with its traceback, and tell the user something went wrong."""
    where = "no update"
    if isinstance(update, Update):
        user, chat = update.effective_user, update.effective_chat
        where = (
            f"update {update.update_id} from user {user.id if user else '-'} "
            f"in chat {chat.id if chat else '-'}"
        )
    if isinstance(context.error, Forbidden):
        # The user blocked the bot or removed it from the group: nothing to tell anyone.
        logger.info("cannot write to %s: %s", where, context.error)
        return
    if update is None and isinstance(context.error, TelegramError):
        # Polling failed (run_polling hands its errors here). PTB polls again by itself,
        # waiting longer after each failure, so one line each says enough: a traceback per
        # retry would bury the rest of the log during an outage.
        logger.warning("could not fetch updates from the Bot API: %s", context.error)
        return
    logger.error("handler failed on %s", where, exc_info=context.error)
    if not isinstance(update, Update):
        return
    apology = t(language(update, await chat_prefs(update, context)), "apology")
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(apology, show_alert=True)
                return
            except BadRequest:
                pass  # Already answered: say it in the chat instead.
        if update.inline_query is not None:
            await update.inline_query.answer([], cache_time=0)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(apology)
    except TelegramError:
        logger.warning("could not apologise for %s", where, exc_info=True)


def _plain(text: str) -> str:
    """Reply HTML as the plain text a pop-up shows (Telegram allows 200 characters)."""
    return replies.plain_text(text)[:200]


# -- movie night -----------------------------------------------------------------------------
# How long a vote for a poll not stored yet waits for it, in steps (about 3 s in all).
VOTE_RETRY_SECONDS = (0.1, 0.2, 0.4, 0.8, 1.6)
# The intents whose replies read the suggestions for the group's next movie night.
_SUGGESTING = frozenset({parsing.MOVIE_NIGHT, parsing.SUGGEST})


def _in_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type != Chat.PRIVATE


async def _suggestions(
    update: Update, context: CustomContext, intent: parsing.Intent
) -> tuple[str, ...]:
    """The titles (record ids) suggested for the group's next movie night, for the intents
    that read them; none when the database cannot answer."""
    if intent.name not in _SUGGESTING or not _in_group(update):
        return ()
    store = context.store
    try:
        kept = await store.call(store.suggestions, update.effective_chat.id)
    except StorageUnavailable:
        return ()
    return tuple(suggestion.record_id for suggestion in kept)


async def _keep_suggestion(
    update: Update, context: CustomContext, reply: replies.Reply, lang: str
) -> replies.Reply:
    """Keep ``reply``'s suggestion for the group's next movie night; the reply to send."""
    store = context.store
    chat, user = update.effective_chat, update.effective_user
    try:
        await store.call(store.suggest, chat.id, reply.suggested, user.id)
    except StorageUnavailable:
        return replies.Reply(t(lang, "movienight_unreachable"), alert=True)
    return reply


async def _start_movie_night(
    update: Update, context: CustomContext, reply: replies.Reply, lang: str
) -> None:
    """Send ``reply``'s poll and keep it, so that whichever bot process gets its votes or its
    close finds it; a poll that cannot be kept is stopped at once, and the chat told so."""
    message, poll = update.effective_message, reply.poll
    minutes = context.settings.vote_minutes
    sent = await message.reply_poll(
        poll.question,
        # Plain text: the default HTML parse mode would read a "<" in a title as a tag.
        [InputPollOption(option.label, text_parse_mode=None) for option in poll.options],
        question_parse_mode=None,
        # Votes are stored by voter: a member's changed or withdrawn vote replaces theirs.
        is_anonymous=False,
        # Approval voting: each member marks every title they would watch, so the winner is
        # the one most of the group is happy with, not the favourite of its largest faction.
        allows_multiple_answers=True,
        open_period=minutes * 60 if minutes else None,
        reply_markup=_markup(reply),
    )
    now = datetime.now(UTC)
    night = MovieNight(
        poll_id=sent.poll.id,
        chat_id=sent.chat_id,
        message_id=sent.message_id,
        starter_id=update.effective_user.id,
        options=tuple(option.record_id for option in poll.options),
        lang=lang,
        created_at=now,
        closes_at=now + timedelta(minutes=minutes) if minutes else None,
    )
    store = context.store
    try:
        await store.call(store.start_movie_night, night)
    except StorageUnavailable:
        with contextlib.suppress(TelegramError):
            await context.bot.stop_poll(night.chat_id, night.message_id)
        await message.reply_text(t(lang, "movienight_not_saved"))


async def _close_movie_night(context: CustomContext, poll_id: str) -> None:
    """Close the movie night of poll ``poll_id`` and announce its winner, once: of every update
    and bot process that tries (the button, Telegram closing the poll), the one whose write
    closed it in the database, which counts its votes. Raises ``StorageUnavailable``."""
    store = context.store
    tally = await store.call(store.close_movie_night, poll_id)
    if tally is None:
        return  # not a movie night, or closed (and announced) already
    night = tally.night
    try:
        await context.bot.stop_poll(night.chat_id, night.message_id)
    except BadRequest as error:  # its time ran out, or it was deleted
        logger.info("could not stop movie night poll %s: %s", poll_id, error)
    votes = list(zip(night.options, tally.votes, strict=True))
    reply = movienight.result_reply(votes, context.engine, night.lang)
    await context.bot.send_message(
        night.chat_id,
        reply.text,
        reply_markup=_markup(reply),
        reply_parameters=ReplyParameters(night.message_id),
    )


async def close_vote_button(update: Update, context: CustomContext) -> None:
    """Close a movie night's vote early: for whoever started it, or a group admin."""
    query = update.callback_query
    message = query.message
    if message is None:
        await stale_button(update, context)
        return
    lang = language(update, await chat_prefs(update, context))
    store = context.store
    try:
        night = await store.call(store.movie_night, message.chat.id, message.message_id)
    except StorageUnavailable:
        await query.answer(_plain(t(lang, "movienight_unreachable")), show_alert=True)
        return
    if night is None or night.closed:
        await query.answer(_plain(t(lang, "movienight_closed")))
        return
    if query.from_user.id != night.starter_id and not await may_change_settings(update, context):
        await query.answer(_plain(t(night.lang, "movienight_not_yours")))
        return
    try:
        await _close_movie_night(context, night.poll_id)
    except StorageUnavailable:
        await query.answer(_plain(t(night.lang, "movienight_unreachable")), show_alert=True)
        return
    await _acknowledge(query)


async def vote_poll_answer(update: Update, context: CustomContext) -> None:
    """Keep a member's vote in a movie night, or take it back (no options chosen)."""
    answer = update.poll_answer
    if answer.user is None:
        return  # a vote in an anonymous poll, which is none of ours
    store = context.store
    with contextlib.suppress(StorageUnavailable):  # the store logs it, once per outage
        vote = (answer.poll_id, answer.user.id, answer.option_ids, update.update_id)
        for delay in (*VOTE_RETRY_SECONDS, None):
            if await store.call(store.record_vote, *vote):
                return
            if delay is None or await store.call(store.movie_night_known, answer.poll_id):
                return  # closed, or a newer vote of theirs is in: nothing to keep
            # Telegram shows the poll before the bot hears it was sent, let alone stores it:
            # a quick voter's vote waits for the poll's row.
            await asyncio.sleep(delay)


async def closed_poll(update: Update, context: CustomContext) -> None:
    """A poll Telegram closed, its time up: announce the movie night's winner."""
    poll = update.poll
    if not poll.is_closed:
        return  # the bot sees its polls' vote counts change too; the votes come one by one
    try:
        await _close_movie_night(context, poll.id)
    except StorageUnavailable:
        logger.warning("could not close movie night poll %s: no database", poll.id)


# Admin-only buttons, by intent.
ADMIN_BUTTONS: dict[
    str, Callable[[Update, CustomContext, callbacks.Choice], Coroutine[Any, Any, None]]
] = {parsing.UPLOAD: upload_button}


# -- lifecycle -------------------------------------------------------------------------------
async def post_init(application: Application) -> None:
    """Build the services (the engine, unless one was given) and register the menus."""
    settings: Settings = application.bot_data[SETTINGS]
    if SHARED not in application.bot_data:
        application.bot_data[SHARED] = await asyncio.to_thread(shared_catalogue, settings)
    shared = application.bot_data[SHARED]
    if HOLDER not in application.bot_data:
        engine = await asyncio.to_thread(load_engine, settings, sys.stderr, shared)
        application.bot_data[HOLDER] = EngineHolder(engine)
        release_freed_memory()  # the ETL's leftovers, and the engine frozen
        # The engine answers now; its record table loads meanwhile, so the first details
        # shown rarely wait for it. This process never forks, so a thread is safe.
        threading.Thread(target=engine.warm, name="warm", daemon=True).start()
    holder = application.bot_data[HOLDER]
    application.bot_data.setdefault(ADMIN, Admin(holder, settings, shared=shared))
    if shared is not None and settings.workers == 1:  # workers: their supervisor follows
        follower = application.bot_data[FOLLOWER] = Follower(
            holder, settings.raw_dir, settings.processed_dir, shared
        )
        follower.start()
    if STORE not in application.bot_data:
        application.bot_data[STORE] = await asyncio.to_thread(
            ChatStore,
            settings.database_url,
            # Workers share no memory for it, and a chat's next update may reach another.
            SETTINGS_CACHE_SECONDS if settings.workers == 1 else 0.0,
            settings.db_timeout,
        )
    application.bot_data.setdefault(CHARTS, ChartCache())
    await set_menus(application)
    logger.info(
        "@%s serving catalogue %s",
        application.bot.username,
        application.bot_data[HOLDER].engine.version,
    )


async def post_shutdown(application: Application) -> None:
    """Stop following the shared catalogue, and close the databases."""
    follower = application.bot_data.pop(FOLLOWER, None)
    if follower is not None:
        await asyncio.to_thread(follower.stop)
    shared = application.bot_data.pop(SHARED, None)
    if shared is not None:
        await asyncio.to_thread(shared.close)
    store = application.bot_data.pop(STORE, None)
    if store is not None:
        await asyncio.to_thread(store.close)


async def set_menus(application: Application) -> None:
    """Telegram's command menu in English (the default) and Spanish; admins also see /reload."""
    bot = application.bot
    settings: Settings = application.bot_data[SETTINGS]
    try:
        for lang in LANGUAGES:
            code = None if lang == DEFAULT_LANGUAGE else lang
            menu = [BotCommand(*entry) for entry in commands.menu(lang)]
            await bot.set_my_commands(menu, language_code=code)
    except TelegramError:
        logger.warning("could not set the command menu", exc_info=True)
    for admin in settings.admin_ids:
        for lang in LANGUAGES:
            menu = [BotCommand(*entry) for entry in commands.menu(lang, admin=True)]
            code = None if lang == DEFAULT_LANGUAGE else lang
            try:
                await bot.set_my_commands(
                    menu, scope=BotCommandScopeChat(admin), language_code=code
                )
            except TelegramError as error:
                # Telegram knows a private chat only once the admin has opened it.
                logger.info("no admin menu for %s yet: %s", admin, error)
                break


def _file_url(base_url: str) -> str | None:
    """The file download URL of a Bot API server from its ``…/bot`` base URL."""
    return base_url[: -len("/bot")] + "/file/bot" if base_url.endswith("/bot") else None


def build_application(
    settings: Settings,
    engine_holder: EngineHolder | None = None,
    request: BaseRequest | None = None,
) -> Application:
    """The bot, with every handler registered; ``request`` replaces the HTTP layer (tests)."""
    # PTB 23's timedelta durations: PTB 22 warns on every RetryAfter unless the process opts in.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .context_types(ContextTypes(context=CustomContext))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                allow_sending_without_reply=True,
            )
        )
        .rate_limiter(RetryingRateLimiter(overall_max_rate=settings.rate_limit, max_retries=3))
        .concurrent_updates(settings.concurrent_updates)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    file_url = _file_url(settings.telegram_api_base_url)
    if file_url:
        builder = builder.base_file_url(file_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    elif settings.http_client == "aiohttp":
        builder = builder.request(AiohttpRequest()).get_updates_request(
            AiohttpRequest(connection_pool_size=1)
        )
    application = builder.build()
    application.bot_data[SETTINGS] = settings
    application.bot_data[THROTTLE] = Throttle()
    if engine_holder is not None:
        application.bot_data[HOLDER] = engine_holder

    # 0. Flood control, in a group that runs before the others: a user over their allowance
    #    is stopped here, so no handler below spends time on them.
    application.add_handler(TypeHandler(Update, throttle_update), group=-1)
    # Order matters: the first handler that accepts an update handles it.
    # 1. Long commands (/reload, admins only) without blocking: updates keep flowing while
    #    it rebuilds. 2. Every other command. Both by every name in the registry; PTB's
    #    CommandHandler drops /command@OtherBot in groups.
    long = [name for command in commands.COMMANDS if command.long for name in command.names]
    application.add_handler(
        CommandHandler(long, message_command, filters=NEW_MESSAGES, block=False)
    )
    others = [name for command in commands.COMMANDS if not command.long for name in command.names]
    application.add_handler(CommandHandler(others, message_command, filters=NEW_MESSAGES))
    # 3. Files: a CSV captioned /upload <platform> (admins), or any file in a private chat.
    upload_caption = filters.CaptionRegex(r"(?i)^/(?:upload|subir)(?:@\w+)?(?:\s|$)")
    application.add_handler(
        MessageHandler(
            NEW_MESSAGES & filters.Document.ALL & (upload_caption | filters.ChatType.PRIVATE),
            upload_document,
        )
    )
    # 4. Any other /command: accented spellings (/país) or unknown ones.
    application.add_handler(MessageHandler(NEW_MESSAGES & filters.COMMAND, other_command))
    # 5. Plain text: titles and "something like X" (in groups, only replies and mentions).
    application.add_handler(
        MessageHandler(NEW_MESSAGES & filters.TEXT & ~filters.COMMAND, free_text_command)
    )
    # 6. Buttons: ours by their anchored prefix, then anything else as stale.
    application.add_handler(
        CallbackQueryHandler(close_vote_button, pattern=callbacks.CLOSE_VOTE_PATTERN)
    )
    application.add_handler(CallbackQueryHandler(choice_button, pattern=callbacks.PATTERN))
    application.add_handler(CallbackQueryHandler(stale_button))
    # 7. Inline mode: @bot <title> in any chat.
    application.add_handler(InlineQueryHandler(recommend_inline))
    # 8. Movie nights' polls: each vote, and a poll Telegram closed when its time ran out.
    application.add_handler(PollAnswerHandler(vote_poll_answer))
    application.add_handler(PollHandler(closed_poll))
    # 9. Whatever a handler raises: log it and apologise.
    application.add_error_handler(error_handler)
    return application


# -- running ---------------------------------------------------------------------------------
async def serve_webhook(
    application: Application,
    settings: Settings,
    stop: asyncio.Event | None = None,
    worker: bool = False,
    set_webhook: bool = True,
    seen: webhook.SeenUpdates | None = None,
) -> None:
    """Serve Telegram's webhook and ``/health`` on ``settings.port`` until ``stop`` is set or
    SIGINT/SIGTERM arrives. A ``worker`` shares the port with the others (SO_REUSEPORT), and
    ``seen``, the updates they received. With ``set_webhook``, tell Telegram where the webhook
    is (of several workers, one does)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not every event loop can take signal handlers (Windows, or not the main thread).
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)

    async def put_update(data: dict) -> None:
        try:
            update = Update.de_json(data, application.bot)
        except Exception as error:  # PTB's reading of a field of the wrong type: anything
            raise ValueError(f"not an update ({error.__class__.__name__}: {error})") from None
        await application.update_queue.put(update)

    def health() -> tuple[bool, dict]:
        holder = application.bot_data.get(HOLDER)
        ready = holder is not None and application.running
        return ready, {
            "status": "ok" if ready else "starting",
            "catalogue": holder.engine.version if holder is not None else None,
            "worker": os.getpid(),
        }

    app = webhook.make_app(settings.webhook_path, put_update, settings.secret_token, health, seen)
    server = await webhook.serve(app, settings.port, reuse_port=worker)
    logger.info("webhook server on port %s, path %s", settings.port, settings.webhook_path)
    try:
        await application.initialize()
        await post_init(application)
        if set_webhook:
            await application.bot.set_webhook(
                settings.public_webhook_url,
                secret_token=settings.secret_token,
                allowed_updates=Update.ALL_TYPES,
            )
        await application.start()
        await stop.wait()
    finally:
        await server.cleanup()
        if application.running:
            await application.stop()
        await application.shutdown()
        await post_shutdown(application)
        # After a failed start-up the application was never initialised, so its shutdown
        # leaves the bot's HTTP clients open; close them (a no-op after a clean run).
        await application.bot.shutdown()


def log_secrets(settings: Settings) -> list[str]:
    """What no log line may show: the token (in every Bot API URL), the webhook secret in use
    (PTB logs setWebhook's parameters at DEBUG, and without ``WEBHOOK_SECRET`` the secret is
    derived, so the setting alone would miss it) and the database password."""
    password = parse_database_url(settings.database_url).password
    return [settings.telegram_bot_token, settings.secret_token, str(password or "")]


def poll(application: Application) -> None:
    """``run_polling``, then close the bot's HTTP clients: PTB shuts them down only after a
    clean start, and after a failed one they would be left open (aiohttp says so on exit)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # the loop run_polling takes
    try:
        application.run_polling(**POLLING, close_loop=False)
    finally:
        loop.run_until_complete(application.bot.shutdown())  # a no-op after a clean run
        loop.close()


def run_bot(settings: Settings, webhook: bool = False) -> None:
    """Run the Telegram bot until interrupted: long polling, or a webhook server (with
    ``settings.workers`` above 1, several, in processes of their own)."""
    configure_logging(settings.log_level, log_secrets(settings))
    if webhook and settings.workers > 1:
        from bot.telegram.workers import supervise  # it imports this module

        code = supervise(settings)
        if code:
            raise SystemExit(code)
        return
    application = build_application(settings)
    with startup_errors(settings):
        if webhook:
            asyncio.run(serve_webhook(application, settings))
        else:
            poll(application)


@contextlib.contextmanager
def startup_errors(settings: Settings) -> Iterator[None]:
    """Turn the errors of a bot that cannot start into a one-line ``SystemExit``."""
    try:
        yield
    except InvalidToken:
        raise SystemExit(
            "error: Telegram rejected TELEGRAM_BOT_TOKEN; copy it again from @BotFather"
        ) from None
    except NetworkError as error:
        # The error may quote the URL it failed on, which holds the token.
        message = f"error: cannot reach the Bot API at {settings.telegram_api_base_url} ({error})"
        raise SystemExit(redact(message, log_secrets(settings))) from None
