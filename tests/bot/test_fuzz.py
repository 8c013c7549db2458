"""Fuzzing every text entry point through the real Application: commands, free text, inline
queries and button data, with hypothesis and a corpus of nasty strings.

Nothing may reach the error handler, and every Bot API call the bot makes must be one Telegram
would accept: HTML with only Telegram's tags, properly nested, with valid entities, within the
length limits, and buttons whose data fits in 64 bytes. ``test_parsing`` fuzzes the parser and
the replies on their own; this runs the same kind of input through PTB and the handlers.
"""

from __future__ import annotations

import html
import itertools
import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.chat import callbacks, parsing
from bot.chat.i18n import CATALOGUES
from tests.bot.conftest import BOT_USER, Call

# -- what Telegram accepts ---------------------------------------------------------------------
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_ALERT = 200
MAX_CALLBACK_BYTES = 64
MAX_INLINE_RESULTS = 50
# Telegram's HTML: these tags and no others; only <a href>, <span class="tg-spoiler">,
# <blockquote expandable> and <code class="language-…"> inside <pre> take an attribute.
TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
}
_ENTITY = re.compile(r"&(?:[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);")
_NAMED_ENTITIES = {"lt", "gt", "amp", "quot"}


class TelegramHtml(HTMLParser):
    """Reads reply HTML the way Telegram's parser does, noting whatever it would refuse."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.text: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        inside = self.open[-1] if self.open else None
        if tag not in TAGS:
            self.problems.append(f"<{tag}> is not a Telegram tag")
        elif tag == "a":
            if set(attributes) != {"href"} or not attributes["href"]:
                self.problems.append(f"<a> needs exactly an href: {attrs}")
        elif tag == "span":
            if attributes != {"class": "tg-spoiler"}:
                self.problems.append(f"<span> must be a spoiler: {attrs}")
        elif tag == "blockquote":
            if set(attributes) - {"expandable"}:
                self.problems.append(f"<blockquote> attributes: {attrs}")
        elif tag == "code" and inside == "pre":
            if set(attributes) - {"class"} or not attributes.get("class", "language-x").startswith(
                "language-"
            ):
                self.problems.append(f"<code> in <pre> attributes: {attrs}")
        elif attributes:
            self.problems.append(f"<{tag}> takes no attributes: {attrs}")
        if inside in ("code", "pre") and not (inside == "pre" and tag == "code"):
            self.problems.append(f"<{tag}> inside <{inside}>")
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"<{tag}/>: Telegram has no empty tags")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for character in "<>&":
            if character in data:
                self.problems.append(f"a bare {character!r} in {data[:40]!r}")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in _NAMED_ENTITIES:
            self.problems.append(f"&{name}; is not an entity Telegram knows")
        self.text.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.text.append(html.unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        self.problems.append("a comment")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("a declaration")

    def handle_pi(self, data: str) -> None:
        self.problems.append("a processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("a declaration")


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def check_html(text: str, limit: int, allow_empty: bool = False) -> None:
    """Fail unless Telegram would accept ``text`` as an HTML message of at most ``limit``."""
    for ampersand in re.finditer("&", text):
        assert _ENTITY.match(text, ampersand.start()), f"a bare & in {text!r}"
    parser = TelegramHtml()
    parser.feed(text)
    parser.close()
    assert parser.problems == [], (parser.problems, text)
    assert parser.open == [], (f"never closed: {parser.open}", text)
    plain = "".join(parser.text)
    assert utf16_length(plain) <= limit, f"{utf16_length(plain)} > {limit}: {plain[:80]!r}…"
    assert allow_empty or plain.strip(), f"an empty message: {text!r}"


def check_buttons(markup: object) -> None:
    if not isinstance(markup, dict):
        return
    for row in markup.get("inline_keyboard", []):
        for button in row:
            assert button["text"].strip()
            data = button.get("callback_data")
            if data is not None:
                assert 1 <= len(data.encode()) <= MAX_CALLBACK_BYTES, data


def check_call(call: Call) -> None:
    """Fail unless Telegram would accept this call as the bot made it."""
    params = call.params
    if call.method in ("sendMessage", "editMessageText"):
        assert params.get("parse_mode") == "HTML"
        check_html(params["text"], MAX_TEXT)
    elif call.method == "sendPhoto":
        assert params.get("parse_mode") == "HTML"
        check_html(params.get("caption", ""), MAX_CAPTION, allow_empty=True)
    elif call.method == "answerCallbackQuery":
        assert utf16_length(params.get("text", "")) <= MAX_ALERT
    elif call.method == "answerInlineQuery":
        results = params["results"]
        assert len(results) <= MAX_INLINE_RESULTS
        assert len({result["id"] for result in results}) == len(results)
        for result in results:
            assert 1 <= len(result["id"].encode()) <= 64
            assert result["title"].strip()
            check_html(result["input_message_content"]["message_text"], MAX_TEXT)
        assert len(params.get("next_offset", "").encode()) <= 64
    check_buttons(params.get("reply_markup"))


def check_calls(calls: list[Call]) -> None:
    for call in calls:
        check_call(call)
    apologies = {catalogue["apology"] for catalogue in CATALOGUES.values()}
    assert not [call for call in calls if call.text in apologies], "the bot apologised"


@pytest.mark.parametrize(
    "text",
    [
        "<b>Tom &amp; Jerry</b> (1940)",
        '<a href="https://example.com">x</a> <code>y</code> <pre><code class="language-py">'
        'z</code></pre> <span class="tg-spoiler">s</span> <b><i>nested</i></b> &#128512;',
    ],
)
def test_the_checker_accepts_telegram_html(text):
    check_html(text, MAX_TEXT)


@pytest.mark.parametrize(
    "text",
    [
        "<b>bold</i>",
        "<b>never closed",
        "closed</b>",
        "<div>x</div>",
        "<script>alert(1)</script>",
        '<span class="red">x</span>',
        "<a>no href</a>",
        "<b>x<br/></b>",
        "<code><b>x</b></code>",
        "Tom & Jerry",
        "1 < 2",
        "&nbsp;",
        "&amp",
        "<!-- comment -->",
        "",
        "x" * 4097,
        "😀" * 2049,
    ],
)
def test_the_checker_refuses_what_telegram_refuses(text):
    with pytest.raises(AssertionError):
        check_html(text, MAX_TEXT)


# -- the inputs --------------------------------------------------------------------------------
NASTY = [
    "",
    " ",
    "\u200b",  # zero-width space
    "\u200c\u200d\u2060\ufeff",  # zero-width (non-)joiner, word joiner, BOM
    "\u200fשלום\u200e",  # RTL and LTR marks
    "\u202etxt.exe",  # right-to-left override
    "\u202bمرحبا بالعالم\u202c",
    "toy story\u0301\u0302\u0303\u0304",
    "Z̷̢̛̩a̵̗͂l̴͓̈g̸̣̊o̶̰͝",
    "e" + "\u0301" * 500,
    "👨‍👩‍👧‍👦",
    "🏳️‍🌈 🇪🇸 🧑🏽‍🚀",
    "\U000e0041\U000e007f",  # tag characters
    "\U0010fffd\ue000\ufdd0\uffff",  # private use and noncharacters
    "\U0001d413\U0001d428\U0001d432",  # mathematical bold
    "\x00\x01\x1b[31mred\x7f",
    "\r\n\t\v\f",
    "İSTANBUL ǅ ﬃ ß ΣΑΣ",  # case mappings that change length
    "ｔｏｙ　ｓｔｏｒｙ",  # full width
    "<b>",
    "</i>",
    "<b><i>x</b></i>",
    '<a href="javascript:alert(1)">click</a>',
    "<script>alert(1)</script>",
    "<tg-spoiler>secret</tg-spoiler>",
    "&amp; &lt; &gt; &quot; &nbsp; &#0; &#x110000; & &",
    "<![CDATA[x]]> <!-- x -->",
    "'; DROP TABLE chat_settings; --",
    '" OR 1=1 --',
    "Robert'); DELETE FROM chat_settings WHERE ('1'='1",
    "{0} {} {title} {{x}} {0!r:>9999}",
    "%s %d %(title)s %n %%",
    "${HOME} `id` $(reboot)",
    "\\ \\n \\x00 \\u0000",
    "../../etc/passwd",
    "toy story | ",
    " | | | ",
    "@StreamBot",
    "@StreamBot @OtherBot toy story",
    "/recommend@OtherBot toy story",
    "/recommend@StreamBot",
    "/reload",
    "/upload ../netflix Evil",
    "2019 2020 netflix hulu movie tv min season 7 9.9 10.0001 -1 1e309 nan",
    "a" * 4096,
    "🎬" * 2048,
    "x " * 2048,
    "<b>" * 1365,
    "&amp;" * 819,
    "stranger thngs" * 290,
]

# Command names each parser path knows, plus accented and unknown ones.
ALL_NAMES = sorted({name for names in parsing.COMMANDS.values() for name in names})
COMMAND_NAMES = [*ALL_NAMES, "país", "dónde", "nonsense", "RECOMMEND"]
WORDS = st.sampled_from(
    ["toy story", "the office", "netflix", "hulu", "disney", "2019", "movie", "season", "7", "|"]
)
# Text with no surrogates (Telegram sends valid UTF-8 only).
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
TEXT = st.lists(st.sampled_from(NASTY) | WORDS | ANY_TEXT, max_size=4).map(" ".join)
LANGUAGES = st.sampled_from(["en", "es", "pt-BR", ""])
FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_users = itertools.count(100_000)


def _message_text(text: str) -> str:
    """Telegram refuses messages over 4096 characters: none can reach the bot."""
    return text[:MAX_TEXT]


async def _recording_errors(bot) -> list[BaseException]:
    errors: list[BaseException] = []

    async def record(update: object, context) -> None:
        errors.append(context.error)

    bot.app.add_error_handler(record)
    return errors


# -- the fuzz tests ----------------------------------------------------------------------------
async def test_the_nasty_corpus_as_commands_and_free_text(bot):
    """Each nasty string as some command's argument in a private chat, and as free text
    mentioning the bot in a group; the commands take turns, so each meets several strings."""
    commands = itertools.cycle([*sorted(parsing.COMMANDS), "nonsense", "país"])

    errors = await _recording_errors(bot)
    for text in NASTY:
        user = next(_users)
        private = bot.chat(user_id=user, chat_id=user, language_code=("en", "es")[user % 2])
        group = bot.chat(user_id=user, chat_id=-user, chat_type="supergroup")
        command = next(commands)
        if command in parsing.COMMANDS:
            command = parsing.COMMANDS[command][user % len(parsing.COMMANDS[command])]
        check_calls(await private.say(_message_text(f"/{command} {text}")))
        check_calls(await group.say(_message_text(f"@StreamBot {text}")))
    assert errors == []


@FUZZ
@given(command=st.sampled_from(COMMAND_NAMES), text=TEXT, lang=LANGUAGES, mention=st.booleans())
async def test_any_command_with_any_arguments(bot, command, text, lang, mention):
    suffix = "@StreamBot" if mention else ""
    errors = await _recording_errors(bot)
    chat = bot.chat(user_id=next(_users), language_code=lang)
    check_calls(await chat.say(_message_text(f"/{command}{suffix} {text}")))
    assert errors == []


@FUZZ
@given(texts=st.lists(TEXT, min_size=1, max_size=5), lang=LANGUAGES, group=st.booleans())
async def test_any_free_text(bot, texts, lang, group):
    errors = await _recording_errors(bot)
    user = next(_users)
    kind = {"chat_id": -user, "chat_type": "group"} if group else {"chat_id": user}
    chat = bot.chat(user_id=user, language_code=lang, **kind)
    ours = {"message_id": 5, "date": 1_700_000_000, "chat": chat.chat, "from": BOT_USER}
    for text in texts:
        check_calls(await chat.say(_message_text(text), reply_to={**ours, "text": "?"}))
    assert errors == []


@FUZZ
@given(
    query=st.sampled_from(NASTY) | TEXT,
    offset=st.sampled_from(["", "0", "10", "-1", "49", "50", "9" * 30, "x", "1.5", " 10"])
    | st.text(max_size=20),
    lang=LANGUAGES,
)
async def test_any_inline_query_and_offset(bot, query, offset, lang):
    errors = await _recording_errors(bot)
    chat = bot.chat(user_id=next(_users), language_code=lang)
    check_calls([await chat.inline(query[:256], offset)])
    assert errors == []


PREFIXES = [prefix for prefix in re.findall(r"\w+", callbacks.PATTERN) if prefix != "n"]
RECORD_IDS = st.sampled_from(["ds1", "ns2", "as4", "hs1", "ns999", "zz1", "a", "n" * 40])
FORGED = st.one_of(
    st.text(max_size=64).filter(lambda data: len(data.encode()) <= MAX_CALLBACK_BYTES),
    st.builds(
        lambda prefix, tail: f"{prefix}:{tail}"[:MAX_CALLBACK_BYTES],
        st.sampled_from([*PREFIXES, "dym", "REC", "rec "]),
        st.text(max_size=60),
    ),
    st.builds(
        "rec:{}:{}:{}".format,
        RECORD_IDS,
        st.integers(0, 9999),
        st.sampled_from(["", "n", "M", "nT*", "*", "zM"]),
    ),
    st.builds("{}:{}".format, st.sampled_from(["more", "info", "title", "where"]), RECORD_IDS),
    st.builds("long:{}:{}".format, st.sampled_from([0, 1900, 2021, 9999]), st.sampled_from("ms")),
    st.builds("{}:{}".format, st.sampled_from(["pf", "stats"]), st.sampled_from("adhnxz*")),
    st.builds(
        "{}:{}".format,
        st.sampled_from(["upok", "upno"]),
        st.text("0123456789abcdef", min_size=6, max_size=32),
    ),
)


@FUZZ
@given(
    data=st.lists(FORGED, min_size=1, max_size=4),
    message_id=st.integers(1, 2**31 - 1),
    lang=LANGUAGES,
    where=st.sampled_from(["private", "group", "inline message", "admin"]),
)
async def test_any_button_data_from_anyone(bot, data, message_id, lang, where):
    """Forged or stale data, on any message (someone else's too), on an inline message, or
    from the admin (whose forged upload tokens name no staged upload)."""

    errors = await _recording_errors(bot)
    user = next(_users)
    group = where == "group"
    chat = bot.chat(
        user_id=user,
        chat_id=-user if group else user,
        chat_type="supergroup" if group else "private",
        language_code=lang,
    )
    if where == "admin":
        chat = bot.admin(language_code=lang)
    for pressed in data:
        if where == "inline message":
            query = {
                "id": f"cq{next(_users)}",
                "from": chat.user,
                "chat_instance": "ci",
                "data": pressed,
                "inline_message_id": "AgAAAB",
            }
            calls = await chat.feed({"callback_query": query})
        else:
            calls = await chat.press(pressed, message_id=message_id)
        check_calls(calls)
        # No endless spinner: the press is answered before anything else is sent. A
        # platform toggle in a group first asks Telegram whether the user is an admin,
        # since a refusal is the press's answer (a pop-up).
        sent = [call for call in calls if call.method != "getChatMember"]
        assert sent and sent[0].method == "answerCallbackQuery"
    assert errors == []
