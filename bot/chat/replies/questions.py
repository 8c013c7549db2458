"""The six catalogue questions: the longest title, scores, counts, the busiest actor, output
per country and age ratings."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence

from bot.chat import callbacks, parsing
from bot.chat.i18n import country_name, exact_number, from_country, number, plural, t
from bot.chat.parsing import Intent, Problem
from bot.chat.replies import Ask, Button, Replier, Reply, esc
from bot.chat.replies.conversation import problem_reply
from bot.chat.replies.scope import display, mine_line, narrowing
from bot.chat.replies.titles import duration
from recommender.catalogue import Longest, QueryError
from recommender.engine import Engine


def _longest(
    engine: Engine, lang: str, args: Mapping[str, object], mine: Sequence[str] = ()
) -> str | Reply:
    platform, year, unit = args.get("platform"), args.get("year"), args.get("duration_type")
    result = engine.catalogue.longest(year, platform, unit, among=mine)
    if mine:
        text = f"{_longest_text(engine, lang, args, result)}\n{mine_line(engine, lang, mine)}"
        everywhere = callbacks.encode_longest(year, unit)
        return Reply(text, ((Button(t(lang, "show_everywhere"), everywhere),),))
    return _longest_text(engine, lang, args, result)


def _longest_text(
    engine: Engine, lang: str, args: Mapping[str, object], result: Longest | None
) -> str:
    platform, year = args.get("platform"), args.get("year")
    scope_parts = []
    if platform:
        scope_parts.append(t(lang, "on", platform=display(engine, str(platform))))
    if year:
        scope_parts.append(t(lang, "from_year", year=year))
    scope = " ".join(scope_parts) or t(lang, "anywhere")
    if result is None:
        return t(lang, "longest_none", scope=scope)
    # Say where and when only when the question did not already.
    unasked = [] if platform else [display(engine, result.platform)]
    unasked += [] if year else [str(result.year)]
    return t(
        lang,
        "longest_tv" if result.duration_type == "season" else "longest_movie",
        scope=scope,
        title=esc(result.title),
        where=f" ({', '.join(unasked)})" if unasked else "",
        duration=duration(lang, result.duration_int, result.duration_type),
    )


def _score_count(engine: Engine, lang: str, args: Mapping[str, object]) -> str:
    result = engine.catalogue.score_count(args["platform"], args["score"], args["year"])
    return plural(
        lang,
        "score_count",
        result.count,
        count=number(lang, result.count),
        platform=display(engine, result.platform),
        year=result.year,
        # As typed: 6.95 rounded to 7.0 would contradict the count.
        score=exact_number(lang, result.score),
        scored=number(lang, result.scored),
    )


def _count(engine: Engine, lang: str, args: Mapping[str, object]) -> str:
    result = engine.catalogue.count(args["platform"])
    return t(
        lang,
        "count",
        platform=display(engine, result.platform),
        movies=plural(lang, "movies", result.movies),
        shows=plural(lang, "shows", result.tv_shows),
    )


def _actor(engine: Engine, lang: str, args: Mapping[str, object]) -> str:
    result = engine.catalogue.actor(args["platform"], args["year"])
    platform = display(engine, result.platform)
    if result.actor is None:
        released = engine.catalogue.titles(result.platform, result.year)
        key = "actor_none" if released else "actor_no_titles"
        return t(lang, key, platform=platform, year=result.year)
    return t(
        lang,
        "actor",
        platform=platform,
        year=result.year,
        actor=esc(result.actor),
        titles=plural(lang, "titles", result.appearances),
    )


def _country(engine: Engine, lang: str, args: Mapping[str, object]) -> str | Problem:
    catalogue = engine.catalogue
    typed = str(args["country"])
    country = parsing.resolve_country(typed, catalogue.countries)
    if country is None:
        return Problem("unknown_country", country_name(lang, typed)[:40])
    result = catalogue.country(args["item_type"], country, args["year"])
    key = "country_movie" if result.type == "movie" else "country_tv"
    return plural(
        lang,
        key,
        result.count,
        count=number(lang, result.count),
        origin=esc(from_country(lang, catalogue.countries[country])),
        year=result.year,
    )


def _rating(engine: Engine, lang: str, args: Mapping[str, object]) -> str | Problem:
    catalogue = engine.catalogue
    wanted = catalogue.rating_name(str(args["rating"]))  # "pg13" and "tv ma" too
    if wanted is None:
        return Problem("unknown_rating", str(args["rating"]))
    result = catalogue.rating(wanted)
    count = result.count
    return plural(lang, "rating", count, count=number(lang, count), rating=esc(wanted.upper()))


def _question(
    answer: Callable[[Engine, str, Mapping[str, object]], str | Reply | Problem],
) -> Replier:
    """The reply function of one question: its answer, or the problem with what was asked."""

    def reply(intent: Intent, ask: Ask) -> Reply:
        try:
            result = answer(ask.engine, ask.lang, intent.args)
        except QueryError:
            # The parser checks what the catalogue checks, so this is a disagreement between
            # them; the user still gets an example that works.
            result = Problem("unusable")
        if isinstance(result, Problem):
            # Only the catalogue knows its countries and ratings.
            return problem_reply(Intent(intent.name, intent.args, result), ask)
        return result if isinstance(result, Reply) else Reply(result)

    return reply


def longest_reply(intent: Intent, ask: Ask) -> Reply:
    """The one question that keeps to the chat's platforms."""
    mine = narrowing(ask.engine, intent.args, ask.mine)
    return _question(functools.partial(_longest, mine=mine))(intent, ask)


score_count_reply = _question(_score_count)
count_reply = _question(_count)
actor_reply = _question(_actor)
country_reply = _question(_country)
rating_reply = _question(_rating)
