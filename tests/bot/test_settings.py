"""Settings from the environment: parsed once, checked, and never showing the token."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot import settings as settings_module
from bot.settings import DEFAULT_API_BASE_URL, DEFAULT_DATA_DIR, Settings, SettingsError


def test_defaults():
    settings = Settings.from_env({})
    assert settings.telegram_api_base_url == DEFAULT_API_BASE_URL
    assert settings.admin_ids == frozenset()
    assert settings.port == 8080
    assert settings.log_level == "INFO"
    assert settings.webhook_path == "/telegram"
    # Telegram's flood limit, and PTB's concurrency: only a load test changes them.
    assert (settings.rate_limit, settings.concurrent_updates) == (30, 64)
    assert settings.http_client == "aiohttp"
    assert settings.db_timeout == 2
    assert settings.vote_minutes == 0  # a movie night's vote stays open until closed


def test_every_variable_is_read():
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": " 123:abc ",
            "TELEGRAM_API_BASE_URL": "http://localhost:8081/bot",
            "STREAMBOT_ADMIN_IDS": "1, 2;3",
            "WEBHOOK_URL": "https://bot.example.com/hook",
            "WEBHOOK_SECRET": "s3cret_token-1",
            "PORT": "8443",
            "LOG_LEVEL": "debug",
            "STREAMBOT_DATA_DIR": "/srv/data",
            "STREAMBOT_RATE_LIMIT": "0",
            "STREAMBOT_CONCURRENT_UPDATES": "1",
            "STREAMBOT_HTTP_CLIENT": "httpx",
            "STREAMBOT_WORKERS": "3",
            "STREAMBOT_DB_TIMEOUT": "0.5",
            "STREAMBOT_VOTE_MINUTES": "45",
        }
    )
    assert settings.telegram_bot_token == "123:abc"
    assert settings.telegram_api_base_url == "http://localhost:8081/bot"
    assert settings.admin_ids == frozenset({1, 2, 3})
    assert settings.is_admin(2) and not settings.is_admin(4) and not settings.is_admin(None)
    assert settings.public_webhook_url == "https://bot.example.com/hook"
    assert settings.secret_token == "s3cret_token-1"
    assert (settings.port, settings.log_level) == (8443, "DEBUG")
    assert settings.processed_dir == Path("/srv/data/processed")
    assert (settings.rate_limit, settings.concurrent_updates) == (0, 1)
    assert settings.http_client == "httpx"
    assert settings.workers == 3
    assert settings.db_timeout == 0.5
    assert settings.vote_minutes == 45
    assert "123:abc" not in repr(settings) and "s3cret" not in repr(settings)


def test_without_a_secret_one_is_derived_from_the_token():
    one = Settings.from_env({"TELEGRAM_BOT_TOKEN": "1:a"})
    assert one.secret_token == Settings.from_env({"TELEGRAM_BOT_TOKEN": "1:a"}).secret_token
    assert one.secret_token != Settings.from_env({"TELEGRAM_BOT_TOKEN": "1:b"}).secret_token
    assert "1:a" not in one.secret_token
    assert len(one.secret_token) <= 256


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STREAMBOT_ADMIN_IDS", "12, alice"),
        ("PORT", "eighty"),
        ("PORT", "70000"),
        ("LOG_LEVEL", "LOUD"),
        ("WEBHOOK_SECRET", "has spaces!"),
        ("STREAMBOT_DB", "mysql://bot@db.example.com/streambot"),
        ("STREAMBOT_DB", "postgresql+psycopg2://bot@db.example.com/streambot"),
        ("STREAMBOT_DB", "postgres://bot@db.example.com:fivefourthreetwo/streambot"),
        ("STREAMBOT_DB", "sqlite://"),
        ("STREAMBOT_DB", "sqlite:///:memory:"),
        ("STREAMBOT_RATE_LIMIT", "-1"),
        ("STREAMBOT_RATE_LIMIT", "fast"),
        ("STREAMBOT_CONCURRENT_UPDATES", "0"),
        ("STREAMBOT_WORKERS", "0"),
        ("STREAMBOT_WORKERS", "two"),
        ("STREAMBOT_HTTP_CLIENT", "requests"),
        ("STREAMBOT_DB_TIMEOUT", "0"),
        ("STREAMBOT_DB_TIMEOUT", "nan"),
        ("STREAMBOT_DB_TIMEOUT", "soon"),
        ("STREAMBOT_VOTE_MINUTES", "-5"),
        ("STREAMBOT_VOTE_MINUTES", "1.5"),
        ("STREAMBOT_VOTE_MINUTES", "43801"),
        ("STREAMBOT_VOTE_MINUTES", "9" * 5000),
        ("STREAMBOT_VOTE_MINUTES", "²"),
    ],
)
def test_unusable_values_name_the_variable(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_the_env_file_fills_in_what_the_environment_leaves_unset(tmp_path, monkeypatch):
    env = tmp_path / ".env"
    env.write_text("# local\nTELEGRAM_BOT_TOKEN=from-file\nexport PORT='9000'\nnot a line\n")
    monkeypatch.setattr(settings_module, "ENV_FILE", env)
    monkeypatch.setenv("PORT", "9100")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    settings = Settings.from_env()
    assert settings.telegram_bot_token == "from-file"
    assert settings.port == 9100


def test_chat_settings_live_in_a_sqlite_file_in_the_data_folder_by_default():
    assert Settings().database_url == f"sqlite:///{DEFAULT_DATA_DIR}/streambot.sqlite3"
    assert Settings.from_env({}).database_url == Settings().database_url
    from_env = Settings.from_env({"STREAMBOT_DATA_DIR": "/srv/data", "STREAMBOT_DB": " "})
    assert from_env.database_url == "sqlite:////srv/data/streambot.sqlite3"


@pytest.mark.parametrize(
    ("value", "url"),
    [
        (
            "postgres://bot:pw@db.example.com:5432/streambot",
            "postgresql+psycopg://bot:pw@db.example.com:5432/streambot",
        ),
        (
            "postgresql://bot@db.example.com/streambot?sslmode=require",
            "postgresql+psycopg://bot@db.example.com/streambot?sslmode=require",
        ),
        ("postgresql+psycopg://bot@db/streambot", "postgresql+psycopg://bot@db/streambot"),
        ("sqlite:////var/lib/streambot/chats.db", "sqlite:////var/lib/streambot/chats.db"),
        ("/var/lib/streambot/chats.db", "sqlite:////var/lib/streambot/chats.db"),
        (" state/chats.db ", "sqlite:///state/chats.db"),
        ("/srv/a folder/chats?.db", "sqlite:////srv/a folder/chats%3F.db"),
        ("/srv/streambot@prod/chats.db", "sqlite:////srv/streambot%40prod/chats.db"),
        ("~/chats.db", f"sqlite:///{Path.home()}/chats.db"),
    ],
)
def test_streambot_db_is_a_database_url_or_a_sqlite_file(value, url):
    assert Settings.from_env({"STREAMBOT_DB": value}).database_url == url


def test_the_database_password_never_shows():
    settings = Settings.from_env({"STREAMBOT_DB": "postgres://bot:hunter2@db/streambot"})
    assert "hunter2" in settings.database_url
    assert "hunter2" not in repr(settings)
    with pytest.raises(SettingsError, match="STREAMBOT_DB") as raised:
        Settings.from_env({"STREAMBOT_DB": "mysql://bot:hunter2@db/streambot"})
    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize(
    "value",
    [
        "postgresql:/bot:hunter2@db.example.com/streambot",
        "postgresql:bot:hunter2@db.example.com/streambot",
        "postgresql//bot:hunter2@db.example.com/streambot",
        "postgres:/bot:hunter2@db.example.com:5432/streambot?sslmode=require",
        "sqlite:/var/lib/streambot/chats.db",
        "bot:hunter2@db.example.com/streambot",
    ],
)
def test_a_mistyped_url_is_refused_not_taken_for_a_sqlite_file(value):
    """Taken for a file path, each would become a SQLite file whose name holds the password."""
    with pytest.raises(SettingsError, match="STREAMBOT_DB") as raised:
        Settings.from_env({"STREAMBOT_DB": value})
    message = str(raised.value)
    assert "hunter2" not in message
    assert "postgresql://user:password@db.example.com:5432/streambot" in message
    assert "sqlite:///path/to/streambot.sqlite3" in message


@pytest.mark.parametrize(
    "value",
    ["postgresql:///streambot", "postgresql://bot:hunter2@/streambot", "postgres://"],
)
def test_a_postgresql_url_needs_a_host(value):
    with pytest.raises(SettingsError, match=r"STREAMBOT_DB holds .* without a host") as raised:
        Settings.from_env({"STREAMBOT_DB": value})
    assert "hunter2" not in str(raised.value)


def test_a_socket_folder_is_a_postgresql_host():
    settings = Settings.from_env({"STREAMBOT_DB": "postgresql:///streambot?host=/run/postgresql"})
    assert settings.database_url == "postgresql+psycopg:///streambot?host=%2Frun%2Fpostgresql"


class _Recording(dict):
    """An environment that remembers every variable asked of it."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key: str, default: object = None) -> object:
        self.asked.add(key)
        return super().get(key, default)


def test_env_example_documents_every_variable_the_bot_reads():
    environ = _Recording()
    Settings.from_env(environ)
    example = (Path(__file__).parents[2] / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert "STREAMBOT_WORKERS" in environ.asked  # the recording sees them all
    assert environ.asked <= documented, environ.asked - documented
