"""Each chat's settings in a real database: a SQLite file always, and PostgreSQL when
``STREAMBOT_TEST_POSTGRES_URL`` names a server (``.ci/run`` starts one where it can)."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import ExitStack, closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from bot import storage as storage_module
from bot.settings import SettingsError
from bot.storage import (
    DISCOVERY_TTL,
    ChatPrefs,
    ChatStore,
    MovieNight,
    Remembered,
    StorageError,
    StorageUnavailable,
    Tally,
    chat_discoveries,
)
from tests.bot.conftest import NO_POSTGRES, POSTGRES_URL, postgres_schema

GROUP_ID = -1001234567890
# For stores whose writers contend on purpose: SQLite makes a writer wait for the lock up to half
# the timeout, and a loaded machine can take seconds to give each of them its turn.
CONTENDED_TIMEOUT = 60.0


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> Iterator[str]:
    """A database nobody else uses: a new SQLite file, or a new schema on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/state/chats.sqlite3"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def store(store_url) -> Iterator[ChatStore]:
    with closing(ChatStore(store_url)) as store:
        yield store


@pytest.fixture
def contended_store(store_url) -> Iterator[ChatStore]:
    """A store whose writers may wait their turn for as long as a busy machine takes: for tests
    of losing nothing, not of giving up."""
    with closing(ChatStore(store_url, timeout=CONTENDED_TIMEOUT)) as store:
        yield store


def test_a_chat_that_never_chose_has_the_defaults(store):
    assert store.get(7) == ChatPrefs(language=None, platforms=frozenset())


def test_what_is_set_is_what_is_read(store):
    assert store.set_language(7, "es") == ChatPrefs(language="es")
    assert store.set_platforms(7, ["netflix", "hulu", "netflix"]) == ChatPrefs(
        language="es", platforms=frozenset({"netflix", "hulu"})
    )
    assert store.get(7) == ChatPrefs(language="es", platforms=frozenset({"netflix", "hulu"}))
    assert store.get(8) == ChatPrefs()


def test_language_and_platforms_are_kept_apart(store):
    store.set_platforms(7, ["disney"])
    store.set_language(7, "en")
    store.set_language(7, "es")
    assert store.get(7) == ChatPrefs(language="es", platforms=frozenset({"disney"}))
    store.set_platforms(7, ["prime"])
    assert store.get(7) == ChatPrefs(language="es", platforms=frozenset({"prime"}))


def test_no_platforms_means_every_platform_again(store):
    store.set_language(GROUP_ID, "en")
    store.set_platforms(GROUP_ID, ["netflix"])
    assert store.set_platforms(GROUP_ID, []) == ChatPrefs(language="en")
    assert store.get(GROUP_ID) == ChatPrefs(language="en")


@pytest.mark.parametrize("name", ["", "prime video", " hulu", "netflix\n"])
def test_a_platform_name_cannot_hold_whitespace(store, name):
    with pytest.raises(ValueError, match="not a platform name"):
        store.set_platforms(7, ["netflix", name])
    assert store.get(7) == ChatPrefs()


def test_settings_survive_a_restart(store_url):
    with closing(ChatStore(store_url)) as store:
        store.set_language(7, "es")
        store.set_platforms(GROUP_ID, ["hulu"])
    with closing(ChatStore(store_url)) as store:
        assert store.get(7) == ChatPrefs(language="es")
        assert store.get(GROUP_ID) == ChatPrefs(platforms=frozenset({"hulu"}))


def test_two_stores_on_one_database_see_each_others_changes(store_url):
    with closing(ChatStore(store_url)) as one, closing(ChatStore(store_url)) as other:
        one.set_language(7, "es")
        other.set_platforms(7, ["netflix"])
        assert one.get(7) == other.get(7) == ChatPrefs("es", frozenset({"netflix"}))
        other.set_language(7, "en")
        assert one.get(7).language == "en"


def test_writers_in_many_threads_lose_nothing(contended_store):
    """Pairs of threads write the language and the platforms of the same chats at once, while
    other threads read them."""
    store = contended_store
    pairs, writes, readers = 4, 50, 2
    start = threading.Barrier(2 * pairs + readers)
    errors = []

    def write(pair: int, field: str) -> None:
        try:
            start.wait()
            for n in range(writes):
                chat_id = pair * writes + n
                if field == "language":
                    store.set_language(chat_id, f"l{pair}")
                else:
                    store.set_platforms(chat_id, [f"p{pair}", "netflix"])
        except Exception as error:  # reported below, with the thread's traceback
            errors.append("".join(traceback.format_exception(error)))

    def read() -> None:
        try:
            start.wait()
            for n in range(pairs * writes):
                prefs = store.get(n)
                assert prefs.language in (None, f"l{n // writes}"), prefs
        except Exception as error:
            errors.append("".join(traceback.format_exception(error)))

    threads = [
        threading.Thread(target=write, args=(pair, field))
        for pair in range(pairs)
        for field in ("language", "platforms")
    ]
    threads += [threading.Thread(target=read) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[0]
    for pair in range(pairs):
        for n in range(writes):
            assert store.get(pair * writes + n) == ChatPrefs(
                f"l{pair}", frozenset({f"p{pair}", "netflix"})
            )


def test_processes_starting_and_writing_at_once_lose_nothing(store_url):
    """Two bot processes open one new database at the same moment (so they race to create the
    table), then write the two settings of the same chats at once."""
    writes = 40
    script = textwrap.dedent(
        """
        import sys
        from bot.storage import ChatStore

        url, field, writes, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
        print("ready", flush=True)
        sys.stdin.read()  # every process goes on when the test closes their stdin
        store = ChatStore(url, timeout=timeout)
        for chat_id in range(writes):
            if field == "language":
                store.set_language(chat_id, "es")
            else:
                store.set_platforms(chat_id, ["hulu", "prime"])
        store.close()
        """
    )
    arguments = [str(writes), str(CONTENDED_TIMEOUT)]
    with ExitStack() as stack:
        processes = [
            stack.enter_context(
                subprocess.Popen(
                    [sys.executable, "-c", script, store_url, field, *arguments],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
            for field in ("language", "platforms")
        ]
        for process in processes:
            assert process.stdout.readline() == "ready\n", process.stderr.read()
        for process in processes:
            process.stdin.close()
        for process in processes:
            assert process.wait(timeout=120) == 0, process.stderr.read()
    with closing(ChatStore(store_url)) as store:
        for chat_id in range(writes):
            assert store.get(chat_id) == ChatPrefs("es", frozenset({"hulu", "prime"}))


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    chat_id=st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.sampled_from([GROUP_ID, -1, 0, 2**63 - 1, -(2**63)]),
    language=st.sampled_from(["en", "es"]),
    platforms=st.frozensets(
        st.sampled_from(["netflix", "prime", "disney", "hulu"])
        | st.text(st.characters(exclude_categories=["Z", "C"]), min_size=1, max_size=12),
        max_size=6,
    ),
)
def test_any_chat_id_and_platform_set_round_trip(store, chat_id, language, platforms):
    store.set_platforms(chat_id, platforms)
    store.set_language(chat_id, language)
    assert store.get(chat_id) == ChatPrefs(language, platforms)


def test_sqlite_lets_readers_and_a_writer_in_other_processes_share_the_file(tmp_path):
    path = tmp_path / "deep" / "folder" / "chats.sqlite3"
    ChatStore(f"sqlite:///{path}").close()
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest.mark.parametrize("url", ["postgres://bot@db/x", "postgresql://bot@db/x"])
def test_postgresql_urls_use_psycopg_3(url):
    with pytest.raises(StorageError) as raised:
        ChatStore(url.replace("db/x", "127.0.0.1:1/x"))
    assert "postgresql+psycopg://" in str(raised.value)


def test_an_unreachable_postgresql_never_shows_its_password():
    password = "hunter2-Pa55word"
    with pytest.raises(StorageError) as raised:
        ChatStore(f"postgresql://bot:{password}@127.0.0.1:1/streambot?connect_timeout=5")
    error = raised.value
    assert isinstance(error, SettingsError)
    assert "STREAMBOT_DB" in str(error) and "127.0.0.1" in str(error)
    assert "refused" in str(error).lower()
    assert password not in "".join(traceback.format_exception(error))


@pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)
def test_a_missing_postgresql_database_is_named_without_the_password():
    password = "hunter2-Pa55word"
    url = make_url(POSTGRES_URL).set(password=password, database="no_such_database")
    with pytest.raises(StorageError, match="no_such_database") as raised:
        ChatStore(url.render_as_string(hide_password=False))
    assert password not in "".join(traceback.format_exception(raised.value))


def test_a_sqlite_file_that_cannot_be_created_names_the_setting(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(StorageError, match="STREAMBOT_DB: cannot open the database"):
        ChatStore(f"sqlite:///{tmp_path}/a-file/chats.sqlite3")


@pytest.mark.parametrize("url", ["mysql://bot:pw@db/x", "sqlite://", "sqlite:///:memory:"])
def test_unsupported_databases_are_refused(url):
    with pytest.raises(SettingsError, match="STREAMBOT_DB") as raised:
        ChatStore(url)
    assert ":pw@" not in str(raised.value)


def test_a_cache_shows_own_changes_at_once_and_others_after_it_expires(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cached.sqlite3'}"
    now = [1000.0]
    monkeypatch.setattr(storage_module.time, "monotonic", lambda: now[0])
    with closing(ChatStore(url, cache_seconds=2)) as cached, closing(ChatStore(url)) as other:
        assert cached.get(5) == ChatPrefs()
        cached.set_language(5, "es")
        assert cached.cached(5) == ChatPrefs("es")  # its own write, at once, no query
        other.set_platforms(5, ["hulu"])
        assert cached.get(5) == ChatPrefs("es")  # still the cached copy
        now[0] += 2.5
        assert cached.cached(5) is None
        assert cached.get(5) == ChatPrefs("es", frozenset({"hulu"}))


async def test_a_write_stuck_behind_another_writer_fails_in_time_and_never_lands(tmp_path, caplog):
    """Another process holds the SQLite file's write lock: the bot's write gives up within the
    timeout, the database is skipped until a probe finds it free, and the write that was
    reported as failed was not made."""
    path = tmp_path / "chats.sqlite3"
    timeout = 0.4
    store = ChatStore(f"sqlite:///{path}", timeout=timeout)
    blocker = sqlite3.connect(path, isolation_level=None)

    with closing(store), closing(blocker), caplog.at_level("WARNING", logger="bot.storage"):
        blocker.execute("BEGIN IMMEDIATE")
        started = time.perf_counter()
        with pytest.raises(StorageUnavailable):
            await store.call(store.set_language, 7, "es")
        assert time.perf_counter() - started < 2 * timeout
        started = time.perf_counter()
        with pytest.raises(StorageUnavailable):  # skipped: no wait
            await store.read(7)
        assert time.perf_counter() - started < timeout / 4
        blocker.execute("ROLLBACK")
        deadline = time.monotonic() + 10 * timeout
        while True:  # a call after the pause starts a probe, in the background
            try:
                assert await store.read(7) == ChatPrefs()
                break
            except StorageUnavailable:
                assert time.monotonic() < deadline, "the database never came back"
                await asyncio.sleep(timeout / 4)
        assert store.get(7) == ChatPrefs()
    logged = [record.getMessage() for record in caplog.records]
    assert len(logged) == 2, logged
    assert "failed (no answer within 0.4 s)" in logged[0] or "locked" in logged[0]
    assert "answers again" in logged[1]


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_postgresql_connections_are_bounded_by_the_timeout(store_url):
    with closing(ChatStore(store_url, timeout=1.5)) as store:
        with store._engine.connect() as connection:
            show = connection.exec_driver_sql
            assert show("SHOW statement_timeout").scalar() == "1500ms"
            assert show("SHOW search_path").scalar().startswith("test_")  # the URL's own options
            libpq = connection.connection.dbapi_connection.info.get_parameters()
        assert libpq["connect_timeout"] == "2"
        assert libpq["tcp_user_timeout"] == "1500"
        assert libpq["keepalives"] == "1"


def test_a_chats_last_discovery_is_kept_replaced_and_forgotten_after_a_day(store):
    assert store.last_discovery(GROUP_ID) is None
    store.remember_discovery(GROUP_ID, "a1", '{"genres": ["horror"]}')
    store.remember_discovery(7, "b2", '{"type": "tv"}')
    assert store.last_discovery(GROUP_ID) == Remembered("a1", '{"genres": ["horror"]}')
    store.remember_discovery(GROUP_ID, "c3", '{"genres": ["comedy"]}')
    assert store.last_discovery(GROUP_ID) == Remembered("c3", '{"genres": ["comedy"]}')
    assert store.last_discovery(7) == Remembered("b2", '{"type": "tv"}')
    # A day later, as the database's own clock would have written it.
    day_ago = datetime.now(UTC) - DISCOVERY_TTL - timedelta(minutes=1)
    with store._engine.begin() as connection:
        connection.execute(
            chat_discoveries.update()
            .where(chat_discoveries.c.chat_id == GROUP_ID)
            .values(updated_at=day_ago)
        )
    assert store.last_discovery(GROUP_ID) is None
    assert store.last_discovery(7) == Remembered("b2", '{"type": "tv"}')


def test_a_discovery_state_too_big_to_be_one_is_refused(store):
    with pytest.raises(ValueError, match="5000 bytes"):
        store.remember_discovery(GROUP_ID, "a1", "x" * 5000)
    assert store.last_discovery(GROUP_ID) is None


# -- movie nights ------------------------------------------------------------------------------
def _night(poll_id: str = "p1", chat_id: int = GROUP_ID, message_id: int = 1000) -> MovieNight:
    return MovieNight(poll_id, chat_id, message_id, 7, ("ns1", "ds2", "hs3"), "es")


def test_a_movie_night_is_kept_and_found_by_its_message(store):
    night = _night()
    assert store.start_movie_night(night) == night
    found = store.movie_night(GROUP_ID, 1000)
    assert found == night
    assert found.created_at.tzinfo is not None
    assert store.movie_night(GROUP_ID, 1001) is None
    assert store.movie_night(-5, 1000) is None


def test_votes_are_replaced_taken_back_and_counted_when_the_night_closes(store):
    night = store.start_movie_night(_night())
    assert store.record_vote("p1", 1, [0])
    assert store.record_vote("p1", 2, [1])
    assert store.record_vote("p1", 2, [0, 2, 2])  # replaces the first
    assert store.record_vote("p1", 3, [2])
    assert store.record_vote("p1", 3, [])  # taken back
    assert store.record_vote("p1", 4, [])  # nothing to take back: kept, as of its update
    assert store.record_vote("p1", 5, [1, 99, -1])  # option numbers no poll has are dropped
    assert store.chat_data(GROUP_ID).rows["movie_night_votes"] == 5
    tally = store.close_movie_night("p1")
    assert tally == Tally(replace(night, closed=True), (2, 1, 1), 3)
    # Counted once: the votes are gone, and the night is closed to votes and to closing.
    assert store.chat_data(GROUP_ID).rows["movie_night_votes"] == 0
    assert store.close_movie_night("p1") is None
    assert not store.record_vote("p1", 6, [0])
    assert store.movie_night(GROUP_ID, 1000).closed


def test_a_vote_from_an_older_update_never_replaces_a_newer_one(store):
    """Updates reach the workers in any order: the newest of a member's votes stands."""
    night = store.start_movie_night(_night())
    assert store.record_vote("p1", 1, [2], update_id=20)
    assert not store.record_vote("p1", 1, [0], update_id=19)  # older: ignored
    assert store.record_vote("p1", 2, [], update_id=31)  # taken back…
    assert not store.record_vote("p1", 2, [1], update_id=30)  # …after the vote that came late
    assert store.record_vote("p1", 3, [0], update_id=40)
    assert store.record_vote("p1", 3, [1], update_id=41)
    tally = store.close_movie_night("p1")
    assert tally == Tally(replace(night, closed=True), (0, 1, 1), 2)


def test_a_vote_in_a_poll_that_is_no_movie_night_is_not_kept(store):
    assert not store.record_vote("someone-elses", 1, [0])
    assert store.close_movie_night("someone-elses") is None
    assert not store.chat_data(GROUP_ID)


def test_of_everyone_closing_a_movie_night_at_once_one_counts_it(store_url):
    with ExitStack() as stack:
        stores = [
            stack.enter_context(closing(ChatStore(store_url, timeout=CONTENDED_TIMEOUT)))
            for _ in range(4)
        ]
        stores[0].start_movie_night(_night())
        stores[1].record_vote("p1", 1, [1])
        start = threading.Barrier(8)
        tallies = []

        def close(store: ChatStore) -> None:
            start.wait()
            tallies.append(store.close_movie_night("p1"))

        threads = [threading.Thread(target=close, args=(store,)) for store in stores * 2]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    counted = [tally for tally in tallies if tally is not None]
    assert len(tallies) == 8 and len(counted) == 1
    assert counted[0].votes == (0, 1, 0)


def _voting_while_closing(store: ChatStore, poll_id: str, voters: int) -> tuple[Tally, list[int]]:
    """Users ``0…voters-1`` each vote once while the night closes: its tally, and the voters
    whose vote the store said it kept."""
    start = threading.Barrier(voters + 1)
    kept: dict[int, bool] = {}
    tallies = []

    def vote(user_id: int) -> None:
        start.wait()
        kept[user_id] = store.record_vote(poll_id, user_id, [user_id % 3])

    def close() -> None:
        start.wait()
        time.sleep(0.01)
        tallies.append(store.close_movie_night(poll_id))

    threads = [threading.Thread(target=vote, args=(user,)) for user in range(voters)]
    threads.append(threading.Thread(target=close))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (tally,) = tallies
    return tally, [user for user, was_kept in kept.items() if was_kept]


def test_a_vote_racing_the_close_is_counted_or_refused_never_lost(contended_store):
    """Every vote the store kept is in the count. Most rounds count some votes and refuse the
    rest; without the poll's row locked, PostgreSQL kept votes after the count in most."""
    for night in range(10):
        contended_store.start_movie_night(_night(f"p{night}", message_id=night))
        tally, counted = _voting_while_closing(contended_store, f"p{night}", 40)
        assert tally.voters == len(counted), night
        assert tally.votes == tuple(sum(user % 3 == n for user in counted) for n in range(3))
    assert contended_store.chat_data(GROUP_ID).rows["movie_night_votes"] == 0


def test_suggestions_are_kept_once_in_order_and_used_up_by_the_next_poll(store):
    assert store.suggest(GROUP_ID, "ns1", 7)
    assert not store.suggest(GROUP_ID, "ns1", 8)  # suggested already: the first one stays
    assert store.suggest(GROUP_ID, "zz9", 8)
    assert store.suggest(-5, "ns1", 9)
    assert [(s.record_id, s.user_id) for s in store.suggestions(GROUP_ID)] == [
        ("ns1", 7),
        ("zz9", 8),
    ]
    store.start_movie_night(_night())  # takes ns1, not zz9
    assert [s.record_id for s in store.suggestions(GROUP_ID)] == ["zz9"]
    assert [s.record_id for s in store.suggestions(-5)] == ["ns1"]


def test_a_new_movie_night_forgets_the_chats_closed_ones(store):
    store.start_movie_night(_night("p1", message_id=1000))
    store.start_movie_night(_night("p2", message_id=1001))
    store.close_movie_night("p1")
    store.start_movie_night(_night("p3", message_id=1002))
    assert store.movie_night(GROUP_ID, 1000) is None
    assert store.movie_night(GROUP_ID, 1001).poll_id == "p2"
    assert store.chat_data(GROUP_ID).rows["movie_nights"] == 2


def test_a_chats_movie_nights_are_counted_for_mydata_and_forgotten_with_it_alone(store):
    store.start_movie_night(_night("p1"))
    store.start_movie_night(_night("p2", chat_id=-5))
    store.record_vote("p1", 1, [2])
    store.record_vote("p2", 1, [0])
    store.suggest(GROUP_ID, "as4", 1)
    assert store.chat_data(GROUP_ID).rows == {
        "movie_nights": 1,
        "movie_night_votes": 1,
        "movie_night_suggestions": 1,
    }
    store.forget(GROUP_ID)
    assert not store.chat_data(GROUP_ID)
    assert store.suggestions(GROUP_ID) == () and store.movie_night(GROUP_ID, 1000) is None
    assert store.chat_data(-5).rows["movie_night_votes"] == 1
    assert store.close_movie_night("p2").votes == (1, 0, 0)


async def test_sqlite_calls_run_on_the_loop_and_commit_without_waiting_for_the_disk(tmp_path):
    """A thread hand-off costs more than a SQLite call, and an fsync per commit 20 times its
    time: neither happens, while the rows are there for another connection at once."""
    path = tmp_path / "chats.sqlite3"
    store = ChatStore(f"sqlite:///{path}")
    with closing(store):
        await store.call(store.remember_discovery, 7, "s1", "{}")
        await store.call(store.set_language, 7, "es")
        with store._engine.connect() as connection:
            synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar_one()
        assert synchronous == 1  # NORMAL
        assert not [t for t in threading.enumerate() if t.name.startswith("chat-store")]
        with closing(sqlite3.connect(path)) as other:
            assert other.execute("SELECT language FROM chat_settings").fetchall() == [("es",)]
            assert other.execute("SELECT stamp FROM chat_discoveries").fetchall() == [("s1",)]
