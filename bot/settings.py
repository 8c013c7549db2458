"""Environment configuration, read once.

Values come from the environment; a ``.env`` file in the project folder fills in whatever the
environment leaves unset, so ``make run`` picks up a local token without exporting it.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_DIR / "data"
# Read by Settings.from_env() when it reads the process environment.
ENV_FILE = PROJECT_DIR / ".env"
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_PORT = 8080
DEFAULT_WEBHOOK_PATH = "/telegram"
DEFAULT_RATE_LIMIT = 30.0
# Updates handled at once. Past a few dozen, more only adds to the connection pool's
# bookkeeping, while each still waits its turn for the one core Python uses.
DEFAULT_CONCURRENT_UPDATES = 64
# Seconds a chat settings read or write may take (STREAMBOT_DB_TIMEOUT) before the update is
# answered without it: a healthy database answers in milliseconds, and every update in flight
# waits this long when it hangs.
DEFAULT_DB_TIMEOUT = 2.0
# The longest a movie night's vote may stay open by itself (STREAMBOT_VOTE_MINUTES): Telegram
# closes a poll after at most 2,628,000 seconds.
MAX_VOTE_MINUTES = 43_800
# The library that carries the Bot API calls (STREAMBOT_HTTP_CLIENT), the default first:
# aiohttp spends less CPU a call than PTB's own httpx; httpx stays available.
HTTP_CLIENTS = ("aiohttp", "httpx")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and - as a webhook secret token.
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
DB_FILE_NAME = "streambot.sqlite3"
_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
# A mistyped URL (a scheme and a colon without "//", or a "user:password@" part) that, taken for
# a file path, would become a SQLite file whose name holds the password.
# A scheme with no "//", or a user and password ("…:pw@"): the last ":" before an "@" is
# enough to find the second, which keeps the search linear on a run of colons.
_MISTYPED_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|:[^/:@]*@")
_DB_EXAMPLES = (
    "postgresql://user:password@db.example.com:5432/streambot, "
    "sqlite:///path/to/streambot.sqlite3 or a plain file path"
)
# The SQLAlchemy drivers StreamBot ships with, by what STREAMBOT_DB may name them.
_DB_DRIVERS = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite+pysqlite",
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}


class SettingsError(ValueError):
    """An environment variable with a value StreamBot cannot use; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Where the data lives, and how the Telegram bot connects, logs and whom it obeys.

    The token, the webhook secret and the database URL (which may hold a password) never appear
    in ``repr``, so logging a ``Settings`` is safe.

    >>> settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": "1:ab", "STREAMBOT_ADMIN_IDS": "7, 9"})
    >>> sorted(settings.admin_ids), "1:ab" in repr(settings)
    ([7, 9], False)
    """

    data_dir: Path = DEFAULT_DATA_DIR
    telegram_bot_token: str = field(default="", repr=False)
    telegram_api_base_url: str = DEFAULT_API_BASE_URL
    admin_ids: frozenset[int] = frozenset()
    webhook_url: str = ""
    webhook_secret: str = field(default="", repr=False)
    port: int = DEFAULT_PORT
    log_level: str = "INFO"
    db_url: str = field(default="", repr=False)
    # Seconds a chat settings read or write may take before the update goes on without it.
    db_timeout: float = DEFAULT_DB_TIMEOUT
    # Messages a second the whole bot may send: Telegram's limit. 0 lifts it, for load tests
    # against a fake Bot API only; the per-group limit (20 a minute) always holds.
    rate_limit: float = DEFAULT_RATE_LIMIT
    # Updates handled at once (PTB's default); 1 handles them one at a time.
    concurrent_updates: int = DEFAULT_CONCURRENT_UPDATES
    # The HTTP library for Bot API calls: one of HTTP_CLIENTS.
    http_client: str = HTTP_CLIENTS[0]
    # Webhook worker processes sharing the port and one engine's memory (bot/telegram/workers.py).
    workers: int = 1
    # Minutes after which Telegram closes a movie night's vote by itself; 0: only its close
    # button does.
    vote_minutes: int = 0

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def processed_dir(self) -> Path:
        return self.data_dir / "processed"

    @property
    def state_dir(self) -> Path:
        """The bot's own files (staged catalogue uploads among them); never an ETL input."""
        return self.data_dir / "state"

    @property
    def database_url(self) -> str:
        """Where each chat's settings are stored: ``STREAMBOT_DB``, or a SQLite file in the data
        folder.

        >>> Settings(data_dir=Path("/srv/data")).database_url
        'sqlite:////srv/data/streambot.sqlite3'
        """
        return self.db_url or database_url("", self.data_dir)

    @property
    def webhook_path(self) -> str:
        """The path Telegram posts updates to: the path of ``WEBHOOK_URL``, or ``/telegram``.

        >>> Settings(webhook_url="https://bot.example.com/hook/").webhook_path
        '/hook'
        >>> Settings(webhook_url="https://bot.example.com").webhook_path
        '/telegram'
        """
        path = urlsplit(self.webhook_url).path.rstrip("/")
        return path or DEFAULT_WEBHOOK_PATH

    @property
    def public_webhook_url(self) -> str:
        """``WEBHOOK_URL`` with the path the server really listens on."""
        parts = urlsplit(self.webhook_url)
        return parts._replace(path=self.webhook_path).geturl()

    @property
    def secret_token(self) -> str:
        """``WEBHOOK_SECRET``, or one derived from the bot token.

        The derived secret is the same in every process started with the same token, so
        several web processes behind one webhook all accept Telegram's requests, and nobody
        without the token can guess it.
        """
        if self.webhook_secret:
            return self.webhook_secret
        digest = hashlib.sha256(b"streambot-webhook:" + self.telegram_bot_token.encode())
        return digest.hexdigest()

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admin_ids

    @property
    def shares_versions(self) -> bool:
        """Whether the catalogue versions live in the chat database, for every instance: with
        PostgreSQL. With SQLite the data folder alone holds them."""
        return parse_database_url(self.database_url).get_backend_name() == "postgresql"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``environ``, by default the process environment over the
        ``.env`` file.

        Raises ``SettingsError`` naming the variable when a value is unusable.
        """
        if environ is None:
            environ = {**read_env_file(ENV_FILE), **os.environ}
        data_dir = Path(environ.get("STREAMBOT_DATA_DIR", "").strip() or DEFAULT_DATA_DIR)
        secret = environ.get("WEBHOOK_SECRET", "").strip()
        if secret and not _SECRET_TOKEN.match(secret):
            raise SettingsError(
                "WEBHOOK_SECRET may hold only letters, digits, '_' and '-' (1 to 256 of them)"
            )
        log_level = environ.get("LOG_LEVEL", "").strip().upper() or "INFO"
        if log_level not in LOG_LEVELS:
            raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        return cls(
            data_dir=data_dir,
            telegram_bot_token=environ.get("TELEGRAM_BOT_TOKEN", "").strip(),
            telegram_api_base_url=environ.get("TELEGRAM_API_BASE_URL", "").strip()
            or DEFAULT_API_BASE_URL,
            admin_ids=_admin_ids(environ.get("STREAMBOT_ADMIN_IDS", "")),
            webhook_url=environ.get("WEBHOOK_URL", "").strip(),
            webhook_secret=secret,
            port=_port(environ.get("PORT", "")),
            log_level=log_level,
            db_url=database_url(environ.get("STREAMBOT_DB", ""), data_dir),
            db_timeout=_db_timeout(environ.get("STREAMBOT_DB_TIMEOUT", "")),
            rate_limit=_rate_limit(environ.get("STREAMBOT_RATE_LIMIT", "")),
            concurrent_updates=_count(
                "STREAMBOT_CONCURRENT_UPDATES", environ, DEFAULT_CONCURRENT_UPDATES
            ),
            workers=_count("STREAMBOT_WORKERS", environ, 1),
            http_client=_http_client(environ.get("STREAMBOT_HTTP_CLIENT", "")),
            vote_minutes=_vote_minutes(environ.get("STREAMBOT_VOTE_MINUTES", "")),
        )


def _admin_ids(text: str) -> frozenset[int]:
    """User ids separated by commas or spaces.

    >>> sorted(_admin_ids("12, 34 56"))
    [12, 34, 56]
    """
    ids = set()
    for part in re.split(r"[\s,;]+", text.strip()):
        if not part:
            continue
        if not re.fullmatch(r"-?\d+", part):
            raise SettingsError(
                f"STREAMBOT_ADMIN_IDS holds {part!r}; list numeric Telegram user ids, "
                "separated by commas"
            )
        ids.add(int(part))
    return frozenset(ids)


def _port(text: str) -> int:
    text = text.strip()
    if not text:
        return DEFAULT_PORT
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise SettingsError(f"PORT must be a number from 1 to 65535, not {text!r}")
    return int(text)


def _rate_limit(text: str) -> float:
    """Messages a second, a number of at least 0.

    >>> _rate_limit(""), _rate_limit("0"), _rate_limit("12.5")
    (30.0, 0.0, 12.5)
    """
    text = text.strip()
    if not text:
        return DEFAULT_RATE_LIMIT
    value = _number(text)
    if value is None or value < 0:
        raise SettingsError(
            f"STREAMBOT_RATE_LIMIT must be messages a second (0 lifts the limit), not {text!r}"
        )
    return value


def _db_timeout(text: str) -> float:
    """Seconds, a number above 0.

    >>> _db_timeout(""), _db_timeout("0.5")
    (2.0, 0.5)
    """
    text = text.strip()
    if not text:
        return DEFAULT_DB_TIMEOUT
    value = _number(text)
    if value is None or value <= 0:
        raise SettingsError(f"STREAMBOT_DB_TIMEOUT must be seconds above 0, like 2, not {text!r}")
    return value


def _number(text: str) -> float | None:
    """The finite number ``text`` spells, or ``None``."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _count(name: str, environ: Mapping[str, str], default: int) -> int:
    """The whole number of at least 1 in variable ``name``, or ``default`` when unset.

    >>> _count("WORKERS", {}, 1), _count("WORKERS", {"WORKERS": " 2"}, 1)
    (1, 2)
    """
    text = environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise SettingsError(f"{name} must be a number from 1, not {text!r}")
    return int(text)


def _vote_minutes(text: str) -> int:
    """Whole minutes from 0 (no time limit) to ``MAX_VOTE_MINUTES``.

    >>> _vote_minutes(""), _vote_minutes(" 90 ")
    (0, 90)
    """
    text = text.strip()
    if not text:
        return 0
    # A few digits at most: int() refuses thousands of them.
    minutes = int(text) if text.isdecimal() and len(text) <= 6 else -1
    if not 0 <= minutes <= MAX_VOTE_MINUTES:
        raise SettingsError(
            f"STREAMBOT_VOTE_MINUTES must be whole minutes from 0 (no time limit) to "
            f"{MAX_VOTE_MINUTES}, not {text!r}"
        )
    return minutes


def _http_client(text: str) -> str:
    """``aiohttp`` (the default) or ``httpx``.

    >>> _http_client(""), _http_client(" HTTPX ")
    ('aiohttp', 'httpx')
    """
    text = text.strip().lower() or HTTP_CLIENTS[0]
    if text not in HTTP_CLIENTS:
        raise SettingsError(f"STREAMBOT_HTTP_CLIENT must be one of {', '.join(HTTP_CLIENTS)}")
    return text


def database_url(value: str, data_dir: Path) -> str:
    """``STREAMBOT_DB`` as a SQLAlchemy URL: a SQLite file in ``data_dir`` when empty, a URL
    checked by ``parse_database_url``, or else the path of a SQLite file, unless it looks like
    a mistyped URL.

    >>> database_url("", Path("/srv/data"))
    'sqlite:////srv/data/streambot.sqlite3'
    >>> database_url("postgres://bot:secret@db.example.com/streambot", Path("data"))
    'postgresql+psycopg://bot:secret@db.example.com/streambot'
    >>> database_url("state/chats.db", Path("data"))
    'sqlite:///state/chats.db'
    """
    value = value.strip()
    if _URL_SCHEME.match(value):
        return parse_database_url(value).render_as_string(hide_password=False)
    if _MISTYPED_URL.search(value):
        raise SettingsError(
            f"STREAMBOT_DB holds {_redacted(value)!r}, which is neither a database URL nor a "
            f"file path; give one like {_DB_EXAMPLES}"
        )
    path = Path(value).expanduser() if value else data_dir / DB_FILE_NAME
    return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)


def _redacted(value: str) -> str:
    """``value`` without what stands before its last ``@``: a user and a password, in a URL.

    >>> _redacted("postgresql:/bot:hunter2@db.example.com/streambot")
    'postgresql:/***@db.example.com/streambot'
    """
    _, at, rest = value.rpartition("@")
    if not at:
        return value
    scheme = re.match(r"\A[A-Za-z][A-Za-z0-9+.-]*:/*", value)
    return f"{scheme.group(0) if scheme else ''}***@{rest}"


def parse_database_url(value: str) -> URL:
    """A SQLite file or PostgreSQL database URL, with PostgreSQL on psycopg 3 (the driver StreamBot
    ships with), as Heroku-style ``postgres://`` URLs need.

    Raises ``SettingsError`` naming ``STREAMBOT_DB``, and never the URL's password.

    >>> parse_database_url("postgresql://bot:secret@localhost/streambot")
    postgresql+psycopg://bot:***@localhost/streambot
    """
    scheme = _URL_SCHEME.match(value)
    try:
        url = make_url(value)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        shown = f"a {scheme.group(1)}:// URL" if scheme else repr(value)
        raise SettingsError(f"STREAMBOT_DB holds {shown} that is not a database URL") from None
    drivername = _DB_DRIVERS.get(url.drivername)
    if drivername is None:
        raise SettingsError(
            f"STREAMBOT_DB holds {url!r}; use a SQLite file (sqlite:///path or a plain path) or "
            "a PostgreSQL URL (postgresql://user:password@host/database)"
        )
    if drivername.startswith("sqlite") and url.database in (None, "", ":memory:"):
        raise SettingsError(
            "STREAMBOT_DB names an in-memory SQLite database, which forgets every chat's "
            "settings on restart; give a file: sqlite:///path/to/streambot.sqlite3"
        )
    # libpq takes a socket folder for a host as ?host=/run/postgresql.
    if drivername.startswith("postgresql") and not (url.host or url.query.get("host")):
        raise SettingsError(
            f"STREAMBOT_DB holds {url!r}, a PostgreSQL URL without a host; give one like "
            "postgresql://user:password@db.example.com:5432/streambot"
        )
    return url.set(drivername=drivername)


def read_env_file(path: Path | None) -> dict[str, str]:
    """``KEY=value`` lines of a ``.env`` file; comments, blanks and a missing file are fine.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     env = Path(folder) / ".env"
    ...     _ = env.write_text("# comment\\nexport PORT=8443\\nLOG_LEVEL='debug'\\n")
    ...     read_env_file(env)
    {'PORT': '8443', 'LOG_LEVEL': 'debug'}
    """
    if path is None or not path.is_file():
        return {}
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.removeprefix("export ").split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values
