"""The ``streambot`` command: build the catalogue, match, recommend and query it."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.chat.i18n import LANGUAGES, language_for, t
from bot.chat.replies.discovery import discovery_json
from bot.chat.replies.foryou import for_you
from bot.chat.replies.watchlist import saved_details
from bot.chat.taste import ACTIONS
from bot.console import ask, chat
from bot.reload import describe_failure, load_engine, shared_catalogue
from bot.settings import Settings, SettingsError
from bot.storage import ChatPrefs, ChatStore
from etl.build import BuildRefused, is_stale, run_etl, run_upload
from etl.errors import EtlError
from etl.shared import SharedVersion, by_version
from etl.upload import UploadError, discard_upload, format_diff, stage_upload
from etl.versions import (
    ChangeBusy,
    VersionError,
    VersionInfo,
    disk_full,
    list_versions,
    live_name,
    rollback,
)
from recommender.catalogue import QueryError, as_dict
from recommender.engine import Engine, EngineHolder, Match, Recommendation, Recommendations
from recommender.matcher import CONFIDENT

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# ``streambot feedback clear``: every action off.
CLEAR = "clear"


class UsageError(Exception):
    """A bad command line; the message is one line that lists the valid choices."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag becomes a ``UsageError`` instead of usage text and exit."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="streambot", description=__doc__)
    parser.add_argument("--data-dir", type=Path, help="folder holding raw/ and processed/")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    etl = commands.add_parser("etl", help="build the catalogue and print the report")
    etl.set_defaults(handler=_etl_command)
    etl.add_argument("--if-stale", action="store_true", help="only when the inputs changed")
    etl.add_argument("--json", action="store_true", help="print the report as JSON")
    etl.add_argument(
        "--add",
        type=Path,
        metavar="FILE",
        help="put the catalogue FILE in place for --platform (after a dry-run diff), then build",
    )
    etl.add_argument("--platform", help="with --add: a registered platform, or a new one")
    etl.add_argument("--display-name", help="with --add: how replies show a new platform")
    etl.add_argument("--yes", action="store_true", help="with --add: apply without asking")
    etl.add_argument(
        "--allow-shrink",
        action="store_true",
        help="publish even when a platform or the catalogue loses more than half its titles",
    )

    summary = commands.add_parser("summary", help="what the served catalogue holds")
    summary.set_defaults(handler=_summary_command)

    match = commands.add_parser("match", help="titles that match TEXT ('-' reads stdin)")
    match.set_defaults(handler=_match_command)
    match.add_argument("text")
    match.add_argument("--limit", type=int, default=5)
    match.add_argument("--json", action="store_true")

    recommend = commands.add_parser("recommend", help="works like TEXT ('-' reads stdin)")
    recommend.set_defaults(handler=_recommend_command)
    recommend.add_argument("text")
    recommend.add_argument("--k", type=int, default=5)
    recommend.add_argument("--platform")
    recommend.add_argument("--type", choices=["movie", "tv"])
    recommend.add_argument("--json", action="store_true")

    query_parser = commands.add_parser("query", help="catalogue questions")
    query_parser.set_defaults(handler=_query_command)
    query = query_parser.add_subparsers(dest="query", required=True, parser_class=_Parser)
    # Each question sets the Catalogue call that answers it (c the catalogue, a the arguments).
    longest = query.add_parser("longest", help="the longest movie, or the most seasons")
    longest.set_defaults(question=lambda c, a: c.longest(a.year, a.platform, a.duration_type))
    longest.add_argument("--year")
    longest.add_argument("--platform")
    longest.add_argument("--duration-type", choices=["min", "season"])
    score = query.add_parser("score-count", help="movies above a score in a year")
    score.set_defaults(question=lambda c, a: c.score_count(a.platform, a.score, a.year))
    score.add_argument("--platform", required=True)
    score.add_argument("--score", required=True)
    score.add_argument("--year", required=True)
    count = query.add_parser("count", help="movies and TV shows on a platform")
    count.set_defaults(question=lambda c, a: c.count(a.platform))
    count.add_argument("--platform", required=True)
    actor = query.add_parser("actor", help="the most frequent cast member")
    actor.set_defaults(question=lambda c, a: c.actor(a.platform, a.year))
    actor.add_argument("--platform", required=True)
    actor.add_argument("--year", required=True)
    country = query.add_parser("country", help="titles from a country in a year")
    country.set_defaults(question=lambda c, a: c.country(a.type, a.country, a.year))
    country.add_argument("--type", required=True, choices=["movie", "tv"])
    country.add_argument("--country", required=True)
    country.add_argument("--year", required=True)
    rating = query.add_parser("rating", help="titles with an audience rating")
    rating.set_defaults(question=lambda c, a: c.rating(a.rating))
    rating.add_argument("--rating", required=True)
    for sub in (longest, score, count, actor, country, rating):
        sub.add_argument("--json", action="store_true")

    discover = commands.add_parser(
        "discover", help="works for a described wish, TEXT ('-' reads stdin, one per line)"
    )
    discover.set_defaults(handler=_discover_command)
    discover.add_argument("text")
    discover.add_argument("--k", type=int, default=10)
    discover.add_argument("--lang", choices=LANGUAGES)
    discover.add_argument("--json", action="store_true")

    run = commands.add_parser(
        "run",
        help="run the Telegram bot (polling, or a webhook with --webhook or WEBHOOK_URL); "
        "without TELEGRAM_BOT_TOKEN, the console chat",
    )
    run.set_defaults(handler=_run_command)
    run.add_argument("--webhook", action="store_true", help="serve a webhook instead of polling")
    run.add_argument(
        "--telegram",
        action="store_true",
        help="run on Telegram or fail: never fall back to the console (for deployments)",
    )
    chat = commands.add_parser("chat", help="chat with StreamBot in this terminal")
    chat.set_defaults(handler=_chat_command)
    ask = commands.add_parser("ask", help="print the reply StreamBot would send to MESSAGE")
    ask.set_defaults(handler=_ask_command)
    ask.add_argument("message")
    ask.add_argument("--html", action="store_true", help="show the HTML and the button data")
    for sub in (run, chat, ask):
        sub.add_argument("--lang", choices=LANGUAGES, help="reply language (default: $LANG)")

    feedback = commands.add_parser(
        "feedback", help="like, dislike, save or clear TITLE for a chat, as its buttons would"
    )
    feedback.set_defaults(handler=_feedback_command)
    feedback.add_argument("action", choices=[*ACTIONS, CLEAR])
    feedback.add_argument("title")
    foryou = commands.add_parser("foryou", help="recommendations from a chat's feedback")
    foryou.set_defaults(handler=_for_you_command)
    foryou.add_argument("--k", type=int, default=10)
    watchlist = commands.add_parser("list", help="a chat's saved titles (its /list)")
    watchlist.set_defaults(handler=_list_command)
    for sub in (feedback, foryou, watchlist):
        sub.add_argument("--chat", type=int, required=True, help="the Telegram chat id")
        sub.add_argument("--json", action="store_true")

    versions = commands.add_parser("versions", help="the kept catalogue versions, newest first")
    versions.set_defaults(handler=_versions_command)
    versions.add_argument("--json", action="store_true")
    rollback = commands.add_parser(
        "rollback",
        help="make the version before the live one live (a running bot serves it after the "
        "admin's /rollback)",
    )
    rollback.set_defaults(handler=_rollback_command)
    rollback.add_argument("--to", metavar="NAME", help="make this version live instead")
    return parser


def _format_match(match: Match) -> str:
    return (
        f"{match.title} ({match.year}, {match.type}) on {', '.join(match.platforms)}"
        f"  [{match.id}, confidence {match.confidence:.2f}]"
    )


def _format_recommendations(result: Recommendations) -> str:
    known = result.not_carried
    if known is not None:
        lines = [
            f"{known.title} ({known.year}, {known.type}) is on none of the platforms "
            f"(known from the {known.source} data); like it:"
        ]
    elif result.match is None:
        return f"no title matches {result.query!r}"
    else:
        lines = [f"like {_format_match(result.match)}:"]
    lines += [_format_result(n, item) for n, item in enumerate(result.results, start=1)]
    return "\n".join(lines)


def _format_result(number: int, item: Recommendation) -> str:
    score = f", IMDb {item.score:.1f}" if item.score is not None else ""
    also = f" (also: {', '.join(item.versions)})" if item.versions else ""
    return (
        f"{number}. {item.title} ({item.year}, {item.type}{score}){also} on "
        f"{', '.join(item.platforms)} — {item.reason.describe()}"
    )


def _run_lines(text: str, answer: Callable[[str], dict], stdin: TextIO, out: TextIO) -> None:
    """Answer one query per line of stdin (or ``text`` itself), one JSON object per line.

    Every line gets its answer, a blank one too, so output line N always answers input line N.
    """
    lines = stdin if text == "-" else [text]
    for line in lines:
        print(json.dumps(answer(line.strip()), ensure_ascii=False), file=out, flush=True)


@dataclasses.dataclass(frozen=True)
class Invocation:
    """What every subcommand's handler gets besides its arguments."""

    settings: Settings
    stdin: TextIO
    out: TextIO
    err: TextIO

    def engine(self) -> Engine:
        """The served catalogue's engine, built first when it is missing or stale."""
        return load_engine(self.settings, self.err)


def run(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    """Run the subcommand in ``args`` (its parser set ``args.handler``); its exit code."""
    settings = Settings.from_env()
    if args.data_dir is not None:
        settings = dataclasses.replace(settings, data_dir=args.data_dir)
    handler: Callable[[argparse.Namespace, Invocation], int] = args.handler
    return handler(args, Invocation(settings, stdin, out, err))


def _etl_command(args: argparse.Namespace, call: Invocation) -> int:
    """``etl``: build the catalogue and print its report; with ``--add``, a new file first."""
    settings = call.settings
    if args.add is not None:
        return _add_catalogue(args, settings, call.stdin, call.out, call.err)
    if args.platform or args.display_name or args.yes:
        raise UsageError("streambot etl: --platform, --display-name and --yes go with --add")
    if args.if_stale and not is_stale(settings.raw_dir, settings.processed_dir):
        print("catalogue is up to date", file=call.err)
        return EXIT_OK
    try:
        report = run_etl(settings.raw_dir, settings.processed_dir, args.allow_shrink)
    except Exception as error:
        return _not_published(error, settings, call.err)
    print(json.dumps(report.__dict__) if args.json else report.format(), file=call.out)
    return EXIT_OK


def _summary_command(args: argparse.Namespace, call: Invocation) -> int:
    """``summary``: the served version's size, and each platform's movies and TV shows."""
    engine = call.engine()
    counts = [engine.catalogue.count(name) for name in engine.registry.names]
    print(
        f"catalogue {engine.version}: {len(engine.catalogue):,} titles, "
        f"{len(engine.works):,} works",
        file=call.out,
    )
    for count in counts:
        print(
            f"  {engine.registry.get(count.platform).display_name:<12}"
            f"{count.movies:>6,} movies {count.tv_shows:>6,} TV shows",
            file=call.out,
        )
    return EXIT_OK


def _match_command(args: argparse.Namespace, call: Invocation) -> int:
    """``match``: the titles that match the text, or each line of stdin."""
    engine = call.engine()

    def answer_match(text: str) -> dict:
        return {"query": text, "matches": [m.to_dict() for m in engine.match(text, args.limit)]}

    if args.json or args.text == "-":
        _run_lines(args.text, answer_match, call.stdin, call.out)
    else:
        matches = engine.match(args.text, args.limit)
        print(
            "\n".join(map(_format_match, matches)) or f"no title matches {args.text!r}",
            file=call.out,
        )
    return EXIT_OK


def _recommend_command(args: argparse.Namespace, call: Invocation) -> int:
    """``recommend``: works like the title the text matches, or each line of stdin's."""
    engine = call.engine()

    def recommend(text: str) -> Recommendations:
        return engine.recommend(text, k=args.k, platform=args.platform, item_type=args.type)

    if args.json or args.text == "-":
        _run_lines(args.text, lambda text: recommend(text).to_dict(), call.stdin, call.out)
    else:
        print(_format_recommendations(recommend(args.text)), file=call.out)
    return EXIT_OK


def _discover_command(args: argparse.Namespace, call: Invocation) -> int:
    """``discover``: what the text asks for, as understood, and the works that fit it."""
    engine = call.engine()

    def answer_discovery(text: str) -> dict:
        return discovery_json(text, engine, args.lang, args.k)

    if args.json or args.text == "-":
        _run_lines(args.text, answer_discovery, call.stdin, call.out)
        return EXIT_OK
    found = answer_discovery(args.text)
    understood = {key: value for key, value in found["understood"].items() if value}
    print(f"understood: {json.dumps(understood, ensure_ascii=False)}", file=call.out)
    for number, item in enumerate(found["results"], start=1):
        score = f", IMDb {item['score']:.1f}" if item["score"] is not None else ""
        print(
            f"{number}. {item['title']} ({item['year']}, {item['type']}{score}) on "
            f"{', '.join(item['platforms'])} — {item['reason']}",
            file=call.out,
        )
    return EXIT_OK


def _query_command(args: argparse.Namespace, call: Invocation) -> int:
    """``query``: one catalogue question, answered by the call its parser set."""
    result = args.question(call.engine().catalogue, args)
    if args.json:
        print(json.dumps(as_dict(result), ensure_ascii=False), file=call.out)
    elif result is None:
        print("nothing matches", file=call.out)
    else:
        print(", ".join(f"{key}: {value}" for key, value in as_dict(result).items()), file=call.out)
    return EXIT_OK


def _run_command(args: argparse.Namespace, call: Invocation) -> int:
    """``run``: the Telegram bot when there is a token, else the console chat."""
    settings = call.settings
    if args.webhook and not settings.webhook_url:
        raise UsageError("streambot run --webhook: set WEBHOOK_URL, the bot's public https URL")
    deployed = args.webhook or args.telegram or settings.webhook_url
    if deployed and not settings.telegram_bot_token:
        # A deployment with a lost token must fail loudly, not chat with no one on a console.
        raise UsageError("streambot run: set TELEGRAM_BOT_TOKEN first (see .env.example)")
    if deployed and settings.workers > 1 and not (args.webhook or settings.webhook_url):
        raise UsageError(
            "streambot run: STREAMBOT_WORKERS above 1 needs the webhook (set WEBHOOK_URL); "
            "long polling has one reader"
        )
    if settings.telegram_bot_token:
        # Imported here: the console and the other commands never need python-telegram-bot.
        from bot.telegram.application import run_bot

        run_bot(settings, webhook=args.webhook or bool(settings.webhook_url))
        return EXIT_OK
    engine = call.engine()
    lang = _language(args)
    print(t(lang, "console_no_token"), file=call.err)
    return _chat(call, engine, lang)


def _chat_command(args: argparse.Namespace, call: Invocation) -> int:
    """``chat``: the bot in this terminal."""
    return _chat(call, call.engine(), _language(args))


def _ask_command(args: argparse.Namespace, call: Invocation) -> int:
    """``ask``: print the reply the bot would send to one message."""
    holder = EngineHolder(call.engine())
    return ask(holder, args.message, _language(args), call.out, raw_html=args.html)


def _language(args: argparse.Namespace) -> str:
    """The reply language: ``--lang``, else the terminal's locale."""
    return args.lang or language_for(os.environ.get("LC_ALL") or os.environ.get("LANG"))


def _chat(call: Invocation, engine: Engine, lang: str) -> int:
    color = call.out.isatty() and "NO_COLOR" not in os.environ
    return chat(EngineHolder(engine), lang, call.out, color=color, data_dir=call.settings.data_dir)


def _chat_store(call: Invocation) -> ChatStore:
    return ChatStore(call.settings.database_url, timeout=call.settings.db_timeout)


def _feedback_command(args: argparse.Namespace, call: Invocation) -> int:
    """``feedback``: turn an action on for the work TITLE names (``clear``: every one off)."""
    engine = call.engine()
    found = engine.match(args.title)
    if not found or found[0].confidence < CONFIDENT:
        raise UsageError(f"streambot feedback: no title is surely {args.title!r}; try `match`")
    record_id = found[0].id
    store = _chat_store(call)
    try:
        prefs = store.get(args.chat)
        for action in ACTIONS if args.action == CLEAR else (args.action,):
            on = prefs.taste.has(record_id, action, engine.work_of)
            if on == (args.action == CLEAR):  # a press would change it
                prefs = store.give_feedback(
                    args.chat, prefs.taste.pressed(record_id, action, engine.work_of)
                )
    finally:
        store.close()
    state = {action: prefs.taste.has(record_id, action, engine.work_of) for action in ACTIONS}
    result = {"chat": args.chat, "match": found[0].to_dict(), **state}
    if args.json:
        print(json.dumps(result, ensure_ascii=False), file=call.out)
    else:
        shown = ", ".join(action for action, on in state.items() if on) or "nothing"
        print(f"{found[0].title} ({found[0].year}): {shown}", file=call.out)
    return EXIT_OK


def _chat_prefs(call: Invocation, chat_id: int) -> ChatPrefs:
    store = _chat_store(call)
    try:
        return store.get(chat_id)
    finally:
        store.close()


def _for_you_command(args: argparse.Namespace, call: Invocation) -> int:
    """``foryou``: the chat's recommendations, with the keys ``recommend`` gives results."""
    engine = call.engine()
    prefs = _chat_prefs(call, args.chat)
    results = for_you(engine, prefs.taste, prefs.platforms, args.k) or []
    if args.json:
        data = {"chat": args.chat, "results": [result.to_dict() for result in results]}
        print(json.dumps(data, ensure_ascii=False), file=call.out)
    elif not results:
        print(f"chat {args.chat}: too little feedback to recommend from", file=call.out)
    else:
        print("\n".join(_format_result(n, r) for n, r in enumerate(results, 1)), file=call.out)
    return EXIT_OK


def _list_command(args: argparse.Namespace, call: Invocation) -> int:
    """``list``: the chat's saved titles, newest first, each once."""
    engine = call.engine()
    prefs = _chat_prefs(call, args.chat)
    results = [
        {key: getattr(work, key) for key in ("id", "work_id", "title", "year", "type", "platforms")}
        for work in saved_details(prefs.taste, engine)
    ]
    if args.json:
        print(
            json.dumps({"chat": args.chat, "results": results}, ensure_ascii=False), file=call.out
        )
    else:
        lines = [f"{r['title']} ({r['year']}) · {', '.join(r['platforms'])}" for r in results]
        print("\n".join(lines) or f"chat {args.chat}: nothing saved", file=call.out)
    return EXIT_OK


def _not_published(error: Exception, settings: Settings, err: TextIO, why: str = "") -> int:
    """Say why a catalogue change was not published (``why`` adds to it) and what serves;
    what is not such a reason goes on up."""
    known = isinstance(error, BuildRefused | ChangeBusy | EtlError) or disk_full(error)
    if not known or isinstance(error, UploadError):
        raise error
    live = live_name(settings.processed_dir)
    serving = f"still serving {live}" if live else "nothing is built yet"
    print(f"{describe_failure(error)}{why}; {serving}", file=err)
    return EXIT_FAILED


def _add_catalogue(
    args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO, err: TextIO
) -> int:
    """``etl --add``: show what FILE would change, and once confirmed build with it in place
    and publish.

    Only a published build puts FILE in the raw data: when the build fails, or is refused,
    the previous catalogue keeps serving and the raw data stays as it was.
    """
    if not args.platform:
        raise UsageError("streambot etl --add: name the catalogue's platform with --platform")
    if args.if_stale or args.json:
        raise UsageError("streambot etl --add: --if-stale and --json do not go with --add")
    try:
        data = args.add.read_bytes()
    except OSError as error:
        raise UsageError(
            f"streambot etl --add: cannot read {args.add} ({error.strerror})"
        ) from None
    from bot.upload_check import check_upload  # matplotlib, only for the commands that draw

    staged = stage_upload(
        settings.raw_dir,
        settings.state_dir,
        data,
        args.add.name,
        args.platform,
        args.display_name,
        check=check_upload,
    )
    print(format_diff(staged.diff), file=out)
    if not args.yes:
        print("Apply? [y/N] ", end="", file=out, flush=True)
        if stdin.readline().strip().lower() not in ("y", "yes"):
            discard_upload(settings.state_dir, staged.token)
            print(f"not applied: {args.add.name} was left out and nothing changed", file=out)
            return EXIT_OK
    try:
        _, report = run_upload(
            settings.raw_dir,
            settings.processed_dir,
            settings.state_dir,
            staged.token,
            args.allow_shrink,
        )
    except Exception as error:
        with contextlib.suppress(UploadError):  # unless the attempt used it up
            discard_upload(settings.state_dir, staged.token)
        return _not_published(error, settings, err, f"; {args.add.name} was not applied")
    print(report.format(), file=out)
    return EXIT_OK


def _format_version(version: VersionInfo | SharedVersion) -> str:
    return (
        f"{'*' if version.live else '':<2}{version.name:<31}{version.created:%Y-%m-%d %H:%M:%S}"
        f"{version.size / 1e6:>12.1f} MB{version.titles:>9,}{version.works:>9,}"
        f"{version.quarantined:>13,}"
    )


def _rollback_command(args: argparse.Namespace, call: Invocation) -> int:
    """``rollback``: make an earlier version live."""
    if call.settings.shares_versions:
        raise UsageError(
            "with PostgreSQL in STREAMBOT_DB the live version is every instance's; "
            "roll back with /rollback in the bot"
        )
    live = rollback(call.settings.processed_dir, args.to)
    print(
        f"now live: {live.name} (built {live.created:%Y-%m-%d %H:%M:%S} UTC, "
        f"{live.titles:,} titles, {live.works:,} works)",
        file=call.out,
    )
    print("a running bot serves it once an admin sends /rollback", file=call.err)
    return EXIT_OK


def _versions_command(args: argparse.Namespace, call: Invocation) -> int:
    """``versions``: the kept versions, newest first; ``*`` marks the live one. With
    PostgreSQL, the versions every instance shares, and the instances serving each."""
    processed_dir = call.settings.processed_dir
    shared = shared_catalogue(call.settings)
    serving: dict[str | None, list[str]] = {}
    if shared is None:
        versions: Sequence[VersionInfo | SharedVersion] = list_versions(processed_dir)
    else:
        try:
            versions, serving = shared.versions(), by_version(shared.instances())
        finally:
            shared.close()
    if args.json:
        rows = [
            {
                **dataclasses.asdict(version),
                "created": version.created.isoformat(),
                **({"instances": serving.get(version.name, [])} if shared else {}),
            }
            for version in versions
        ]
        print(json.dumps(rows, default=datetime.isoformat), file=call.out)
    elif not versions:
        where = "the database" if shared else processed_dir
        print(f"no versions in {where}; run 'streambot etl' first", file=call.err)
    else:
        print(
            f"{'':<2}{'version':<31}{'built (UTC)':<19}{'size':>15}{'titles':>9}{'works':>9}"
            f"{'quarantined':>13}{'  serving' if shared else ''}",
            file=call.out,
        )
        for version in versions:
            names = ", ".join(serving.get(version.name, []))
            print(f"{_format_version(version)}  {names}".rstrip(), file=call.out)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``streambot`` console script."""
    try:
        args = build_parser().parse_args(argv)
        if getattr(args, "k", 1) < 1 or getattr(args, "limit", 1) < 1:
            raise UsageError("streambot: --k and --limit must be at least 1")
        return run(args, sys.stdin, sys.stdout, sys.stderr)
    except (UsageError, QueryError, SettingsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except UploadError as error:
        print(f"upload refused: {error}", file=sys.stderr)
        return EXIT_FAILED
    except EtlError as error:
        print(f"etl failed: {error}", file=sys.stderr)
        return EXIT_FAILED
    except ChangeBusy as error:
        print(f"error: {error}; try again once it is done", file=sys.stderr)
        return EXIT_FAILED
    except VersionError as error:
        print(f"rollback failed: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (``streambot … | head``): not an error
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
