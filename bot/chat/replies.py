"""Intent + engine + language → :class:`Reply`: HTML text and buttons, shared by the console and
Telegram, and knowing nothing of either.

Every piece of catalogue or user text is escaped here before it goes into HTML.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from bot.chat import callbacks, parsing
from bot.chat.i18n import (
    country_name,
    date_text,
    exact_number,
    from_country,
    genre_name,
    join_names,
    number,
    plural,
    t,
    type_name,
)
from bot.chat.parsing import Intent, Problem
from recommender.catalogue import Longest, QueryError
from recommender.engine import Engine, Match, Reason, Recommendation, WorkDetails
from recommender.matcher import is_confident
from recommender.text import fold

PAGE_SIZE = 5
# "Next 5" stops here: past fifty, similarity is mostly noise.
MAX_RESULTS = 50
DID_YOU_MEAN = 5
# "Did you mean…" offers only the candidates this close to the best: for "the office", the
# three Offices (1.0, 0.99, 0.99), not "Officer" (0.91).
CLOSE_TO_BEST = 0.05
# A year typed after a title ("The Office 2005") is looked for among this many candidates.
YEAR_CANDIDATES = 20
BUTTON_TITLE_LENGTH = 28
CHOICE_TITLE_LENGTH = 44
# Inline mode: ten works a page (the matched work's card joins the first), fifty at most.
INLINE_PAGE_SIZE = 10
INLINE_MAX_RESULTS = 50
DESCRIPTION_LENGTH = 200
CAST_SHOWN = 3
# /new lists this many titles; a platform missing this share of dates or more says so.
NEW_TITLES = 10
UNDATED_SHARE = 0.1
# A candidate this close is the title asked for, though maybe one of several works called so;
# below it the title is not in the catalogue and candidates are only the closest there are.
CLOSE_ENOUGH = 0.9
WHY_TERMS = 6
PLATFORM_BUTTONS_PER_ROW = 2


class Button(NamedTuple):
    """An inline button: what it says and the callback data it sends."""

    label: str
    data: str


@dataclass(frozen=True, slots=True)
class ChartRequest:
    """A picture for the front end to draw and attach: the whole catalogue, or with
    ``platform`` (a registry name) that platform alone."""

    platform: str | None = None


@dataclass(frozen=True)
class Reply:
    """One message to send.

    ``prompt`` asks the user to answer it (Telegram's force-reply, so a group with privacy
    mode still delivers the answer). ``alert`` marks a notice that, after a button press, is
    better shown as a pop-up than as a message. ``language`` is set when the chat switches
    to that language, and ``platforms`` when it chooses its platforms (empty: all).
    ``nothing_found`` marks a "no title like that" answer, which a group need not hear about
    chatter. ``chart``, when set, asks the front end to attach that picture; the text is its
    caption.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    prompt: bool = False
    alert: bool = False
    language: str | None = None
    platforms: frozenset[str] | None = None
    nothing_found: bool = False
    chart: ChartRequest | None = None

    @property
    def changes_settings(self) -> bool:
        """Whether sending this reply stores a new language or platforms for its chat."""
        return self.language is not None or self.platforms is not None


def plain_text(text: str) -> str:
    """Reply HTML as plain text, for pop-ups and terminals.

    >>> plain_text("<b>Tom &amp; Jerry</b> (1940)")
    'Tom & Jerry (1940)'
    """
    return html.unescape(_TAG.sub("", text))


# No "<" inside a tag: each "<" of a long run then fails at the next, instead of at the end.
_TAG = re.compile(r"<[^<>]*>")


def esc(text: object) -> str:
    """``text`` made safe to put inside HTML.

    >>> esc("Tom & Jerry <3")
    'Tom &amp; Jerry &lt;3'
    """
    return html.escape(str(text), quote=False)


def shorten(text: str, length: int) -> str:
    """``text`` cut to ``length`` characters at most, with an ellipsis when cut.

    >>> shorten("Star Wars: The Clone Wars", 12)
    'Star Wars:…'
    """
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def answer(
    intent: Intent,
    engine: Engine,
    lang: str,
    bot_username: str | None = None,
    mine: Collection[str] = (),
) -> Reply:
    """The reply to ``intent`` in ``lang``; never raises for any parsed intent.

    ``mine`` holds the chat's platforms (empty: all); recommendations, the longest title and
    new arrivals keep to them unless the request names a platform or asks for ``everywhere``.
    """
    if intent.problem is not None:
        return problem_reply(intent, engine, lang)
    name, args = intent.name, intent.args
    if name in (parsing.HELP, parsing.START):
        return help_reply(engine, lang, bot_username)
    if name == parsing.LANG:
        language = str(args["language"])
        return Reply(t(language, "lang_set"), language=language)
    if name in (parsing.RECOMMEND, parsing.INFO, parsing.TITLE):
        return _title_reply(intent, engine, lang, mine)
    if name == parsing.WHERE:
        return where_reply(intent, engine, lang)
    if name == parsing.WHY:
        return why_reply(intent, engine, lang)
    if name == parsing.NEW:
        return new_reply(engine, lang, args, mine)
    if name == parsing.PLATFORMS:
        return platforms_reply(engine, lang, args, mine)
    if name == parsing.STATS:
        return stats_reply(engine, lang, args)
    if name in _QUESTIONS:
        question = _QUESTIONS[name]
        if name == parsing.LONGEST:  # The one question that keeps to the chat's platforms.
            question = functools.partial(_longest, mine=_mine(engine, args, mine))
        try:
            result = question(engine, lang, args)
        except QueryError:
            # The parser checks what the catalogue checks, so this is a disagreement between
            # them; the user still gets an example that works.
            result = Problem("unusable")
        if isinstance(result, Problem):
            # Only the catalogue knows its countries and ratings.
            return problem_reply(Intent(name, args, result), engine, lang)
        return result if isinstance(result, Reply) else Reply(result)
    if name == parsing.UNKNOWN_COMMAND:
        return Reply(t(lang, "unknown_command", command=esc(args.get("command", ""))))
    if name in parsing.ADMIN_INTENTS:
        # The front ends run these through bot.admin, after checking who asks.
        return Reply(t(lang, "reload_refused" if name == parsing.RELOAD else "admin_only"))
    return Reply(
        t(lang, {parsing.GREETING: "greeting", parsing.THANKS: "thanks"}.get(name, "empty"))
    )


def help_reply(engine: Engine, lang: str, bot_username: str | None = None) -> Reply:
    """Usage and examples in ``lang``; mentions inline mode when the bot's name is known."""
    platforms = join_names(lang, [esc(p.display_name) for p in engine.registry])
    text = t(lang, "help", platforms=platforms)
    if bot_username:
        text += t(lang, "help_inline", bot=esc(bot_username))
    return Reply(text)


def problem_reply(intent: Intent, engine: Engine, lang: str) -> Reply:
    """What was wrong with the arguments, and one example that works."""
    problem = intent.problem or Problem("unknown_words")
    if intent.name == parsing.TITLE and problem.code in ("too_long", "missing_title"):
        return Reply(t(lang, "too_long" if problem.code == "too_long" else "empty"))
    platforms = join_names(lang, [esc(p.display_name) for p in engine.registry])
    ratings = ""
    if problem.code == "unknown_rating":
        ratings = esc(", ".join(rating.upper() for rating in engine.catalogue.ratings[:8]))
    text = t(
        lang,
        f"problem_{problem.code}",
        value=esc(problem.value),
        platforms=platforms,
        ratings=ratings,
    )
    # A title sent on its own was a request for recommendations.
    example_of = parsing.RECOMMEND if intent.name == parsing.TITLE else intent.name
    example = t(lang, f"example_{example_of}")
    return Reply(
        f"{text}\n{t(lang, 'example', example=esc(example))}",
        prompt=problem.code == "missing_title",
    )


def stale_reply(lang: str) -> Reply:
    """The answer to a button this bot no longer understands."""
    return Reply(t(lang, "stale_button"), alert=True)


def not_saved_reply(lang: str) -> Reply:
    """The answer to a /lang or /platforms choice the settings database could not store."""
    return Reply(t(lang, "not_saved"), alert=True)


# -- titles ------------------------------------------------------------------------------------
def _title_reply(intent: Intent, engine: Engine, lang: str, mine: Collection[str] = ()) -> Reply:
    """``recommend``, ``info`` and ``title``, from a typed title or a button's record id."""
    args = intent.args
    asked = _asked_work(engine, args)
    if asked is None:
        return Reply(t(lang, "gone"), alert=True)
    work_id, found = asked
    if work_id is None and not found:
        query = " ".join(str(part) for part in (args["title"], args.get("year", "")) if part)
        text = t(lang, "not_found", query=esc(shorten(query, 60)))
        return Reply(text, nothing_found=True)
    if work_id is None:
        return _did_you_mean(intent, found, engine, lang)
    platform = _platform_filter(engine, args)
    item_type = args.get("item_type")
    offset = int(args.get("offset", 0))
    work = engine.details(work_id)
    if work is None:
        return Reply(t(lang, "gone"), alert=True)
    if intent.name == parsing.INFO:
        return Reply(
            details_text(work, engine, lang),
            ((Button(t(lang, "similar_button"), callbacks.encode_more(work.id)),),),
        )
    page = recommendations_reply(
        work,
        engine,
        lang,
        offset,
        platform,
        item_type,
        mine=_mine(engine, args, mine),
        everywhere=bool(args.get("everywhere")),
    )
    if intent.name == parsing.TITLE:
        return Reply(f"{details_text(work, engine, lang)}\n\n{page.text}", page.buttons)
    return page


def _asked_work(
    engine: Engine, args: Mapping[str, object]
) -> tuple[str | None, list[Match]] | None:
    """The work a request names, by a button's record id or by a typed title (and year),
    with the candidates to ask about; ``None`` when the button's record is gone."""
    record_id = args.get("record_id")
    if record_id is None:
        return _find(engine, str(args["title"]), args.get("year"))
    work_id = engine.work_of(str(record_id))
    return None if work_id is None else (work_id, [])


def _find(engine: Engine, title: str, year: object = None) -> tuple[str | None, list[Match]]:
    """The work ``title`` names, or the candidates to ask about (none: nothing is close).

    A ``year`` typed after the title picks among works of that title ("The Office 2005"),
    unless title and year together name a work ("Louis C.K. 2017").
    """
    text = f"{title} {year}" if year else title
    found = engine.match(text, limit=DID_YOU_MEAN)
    if _sure(found) or not year:
        return (found[0].work_id if _sure(found) else None), found
    by_title = engine.match(title, limit=YEAR_CANDIDATES)
    of_year = [match for match in by_title if match.year == year]
    if _sure(of_year):
        return of_year[0].work_id, of_year
    others = [match for match in by_title if match.year != year]
    return None, (of_year + others)[:DID_YOU_MEAN] or found


def _sure(matches: list[Match]) -> bool:
    return is_confident([match.confidence for match in matches])


def _platform_filter(engine: Engine, args: Mapping[str, object]) -> str | None:
    """The registry name of the platform a request is limited to, if any."""
    name = args.get("platform") or args.get("platform_letter")
    if not name:
        return None
    platform = engine.registry.resolve(str(name))
    return None if platform is None else platform.name


def _mine(engine: Engine, args: Mapping[str, object], mine: Collection[str]) -> list[str]:
    """The chat's platforms that narrow this request: none when it names a platform, asks
    for ``everywhere``, or the chat has every platform (or none still in the catalogue)."""
    if args.get("platform") or args.get("platform_letter") or args.get("everywhere"):
        return []
    kept = [platform.name for platform in engine.registry if platform.name in mine]
    return kept if len(kept) < len(engine.registry) else []


def _mine_line(engine: Engine, lang: str, mine: Sequence[str]) -> str:
    names = join_names(lang, engine.registry.display(mine))
    return f"<i>{t(lang, 'only_mine', platforms=esc(names))}</i>"


def _letter(engine: Engine, platform: str | None) -> str | None:
    return None if platform is None else engine.registry.get(platform).letter


def _did_you_mean(intent: Intent, found: Sequence[Match], engine: Engine, lang: str) -> Reply:
    platform = _platform_filter(engine, intent.args)
    item_type = intent.args.get("item_type")
    rows = []
    for match in _close_to_best(found)[:DID_YOU_MEAN]:
        label = _choice_label(match, engine)
        if intent.name == parsing.INFO:
            data = callbacks.encode_info(match.id)
        elif intent.name == parsing.TITLE:
            data = callbacks.encode_title(match.id)
        else:
            data = callbacks.encode_recommend(
                match.id, 0, _letter(engine, platform), str(item_type) if item_type else None
            )
        rows.append((Button(label, data),))
    return Reply(t(lang, "did_you_mean"), tuple(rows))


def recommendations_reply(
    work: WorkDetails,
    engine: Engine,
    lang: str,
    offset: int = 0,
    platform: str | None = None,
    item_type: str | None = None,
    mine: Sequence[str] = (),
    everywhere: bool = False,
) -> Reply:
    """One page of works like ``work``, with their buttons.

    ``mine``, the chat's platforms, narrows the page when ``platform`` is not given, and a
    button lifts it; its pages are ``everywhere``.
    """
    offset = max(0, min(offset, MAX_RESULTS - PAGE_SIZE))
    where = platform or mine or None
    results = engine.similar(work.work_id, PAGE_SIZE + 1, where, item_type, offset)
    has_next = len(results) > PAGE_SIZE and offset + PAGE_SIZE < MAX_RESULTS
    results = results[:PAGE_SIZE]
    title, year = esc(work.title), work.year
    letter = _letter(engine, platform)
    lift = ()
    if mine:
        data = callbacks.encode_recommend(work.id, 0, None, item_type, everywhere=True)
        lift = ((Button(t(lang, "show_everywhere"), data),),)
    if not results:
        if offset:
            text = t(lang, "like_end", title=title)
        else:
            scope = t(lang, "on_platform", platform=_display(engine, platform)) if platform else ""
            if item_type:
                scope += t(lang, "of_type_movie" if item_type == "movie" else "of_type_tv")
            text = t(lang, "like_none", title=title, year=year, where=scope)
            if mine:
                text += "\n" + _mine_line(engine, lang, mine)
        back = _nav_row(work.id, offset, False, letter, item_type, lang, everywhere)
        return Reply(text, ((back,) if back else ()) + lift)
    if offset:
        header = t(
            lang,
            "like_header_page",
            title=title,
            year=year,
            first=offset + 1,
            last=offset + len(results),
        )
    else:
        header = t(lang, "like_header", title=title, year=year)
    lines = [header]
    only = _filters_line(engine, lang, platform, item_type)
    if only:
        lines.append(only)
    if mine:
        lines.append(_mine_line(engine, lang, mine))
    for number_, result in enumerate(results, start=offset + 1):
        lines.append("")
        lines.append(f"{number_}. {_result_line(result, engine, lang)}")
        lines.append(f"    <i>{esc(reason_text(result.reason, lang))}</i>")
    rows: list[tuple[Button, ...]] = [
        (
            Button(
                t(lang, "more_like", title=shorten(result.title, BUTTON_TITLE_LENGTH)),
                callbacks.encode_more(result.id, letter, item_type),
            ),
        )
        for result in results
    ]
    nav = _nav_row(work.id, offset, has_next, letter, item_type, lang, everywhere)
    if nav:
        rows.append(nav)
    return Reply("\n".join(lines), tuple(rows) + lift)


def _filters_line(engine: Engine, lang: str, platform: str | None, item_type: str | None) -> str:
    parts = []
    if item_type:
        parts.append(t(lang, "only_movies" if item_type == "movie" else "only_tv"))
    if platform:
        parts.append(t(lang, "only_on", platform=_display(engine, platform)))
    return f"<i>{' · '.join(parts)}</i>" if parts else ""


def _nav_row(
    record_id: str,
    offset: int,
    has_next: bool,
    letter: str | None,
    item_type: str | None,
    lang: str,
    everywhere: bool = False,
) -> tuple[Button, ...]:
    row = []
    if offset > 0:
        previous = callbacks.encode_recommend(
            record_id, offset - PAGE_SIZE, letter, item_type, everywhere
        )
        row.append(Button(t(lang, "previous"), previous))
    if has_next:
        following = callbacks.encode_recommend(
            record_id, offset + PAGE_SIZE, letter, item_type, everywhere
        )
        row.append(Button(t(lang, "next"), following))
    return tuple(row)


def _result_line(result: Recommendation, engine: Engine, lang: str) -> str:
    parts = [
        f"<b>{esc(result.title)}</b> ({result.year})",
        type_name(lang, result.type),
        esc(", ".join(engine.registry.display(result.platforms))),
    ]
    if result.score is not None:
        parts.append(f"⭐ {score_text(lang, result.score)}")
    return " · ".join(parts)


def reason_text(reason: Reason, lang: str) -> str:
    """Why a work was recommended, in ``lang`` (plain text; escape it for HTML).

    >>> reason_text(Reason(genres=["animation", "comedy"], directors=["Pete Docter"]), "es")
    'de Pete Docter · animación, comedia'
    >>> reason_text(Reason(genres=["drama"], themes=["heist", "prison", "escape"]), "en")
    'drama · about heist, prison'
    >>> reason_text(Reason(), "en")
    'a similar story'
    """
    parts = []
    if reason.directors:
        parts.append(t(lang, "reason_director", names=join_names(lang, reason.directors[:2])))
    if reason.cast:
        parts.append(t(lang, "reason_cast", names=join_names(lang, reason.cast[:2])))
    if reason.genres:
        parts.append(", ".join(genre_name(lang, genre) for genre in reason.genres[:3]))
    if reason.themes and len(parts) < 2:  # One short line: themes only where there is room.
        parts.append(t(lang, "reason_themes", words=", ".join(reason.themes[:2])))
    return " · ".join(parts) or t(lang, "reason_similar")


def score_text(lang: str, score: float) -> str:
    """An audience score as ``lang`` writes it: ``7``, ``8.3`` or ``8,3``."""
    return number(lang, score, 0 if float(score).is_integer() else 1)


def details_text(work: WorkDetails, engine: Engine, lang: str) -> str:
    """The card for one work: title, year, type, length, rating, score, where it streams…"""
    facts = [type_name(lang, work.type)]
    if work.duration_int is not None:
        facts.append(_duration(lang, work.duration_int, work.duration_type))
    if work.rating:
        facts.append(esc(work.rating))
    if work.score is not None:
        facts.append(f"⭐ {score_text(lang, work.score)}")
    lines = [f"<b>{esc(work.title)}</b> ({work.year})", " · ".join(facts)]
    platforms = join_names(lang, engine.registry.display(work.platforms))
    lines.append(t(lang, "streams_on", platforms=esc(platforms)))
    genres = work.genre_words
    if genres:
        names = [genre_name(lang, genre) for genre in genres[:4]]
        lines.append("🏷️ " + esc(", ".join(names)))
    if work.directors:
        names = join_names(lang, work.directors[:2])
        lines.append(t(lang, "directed_by", names=esc(names)))
    if work.cast:
        lines.append(t(lang, "starring", names=esc(join_names(lang, work.cast[:CAST_SHOWN]))))
    if work.country:
        countries = join_names(lang, [country_name(lang, c) for c in work.country[:3]])
        lines.append(t(lang, "made_in", countries=esc(countries)))
    if work.description:
        lines.append(f"\n<i>{esc(shorten(work.description, DESCRIPTION_LENGTH))}</i>")
    return "\n".join(lines)


def _duration(lang: str, amount: int, unit: str | None) -> str:
    if unit == "season":
        return plural(lang, "seasons", amount)
    return t(lang, "minutes", n=number(lang, amount))


# -- the six catalogue questions -----------------------------------------------------------
def _display(engine: Engine, platform: str) -> str:
    return esc(engine.registry.get(platform).display_name)


def _longest(
    engine: Engine, lang: str, args: Mapping[str, object], mine: Sequence[str] = ()
) -> str | Reply:
    platform, year, unit = args.get("platform"), args.get("year"), args.get("duration_type")
    result = engine.catalogue.longest(year, platform, unit, among=mine)
    if mine:
        text = f"{_longest_text(engine, lang, args, result)}\n{_mine_line(engine, lang, mine)}"
        everywhere = callbacks.encode_longest(year, unit)
        return Reply(text, ((Button(t(lang, "show_everywhere"), everywhere),),))
    return _longest_text(engine, lang, args, result)


def _longest_text(
    engine: Engine, lang: str, args: Mapping[str, object], result: Longest | None
) -> str:
    platform, year = args.get("platform"), args.get("year")
    scope_parts = []
    if platform:
        scope_parts.append(t(lang, "on", platform=_display(engine, str(platform))))
    if year:
        scope_parts.append(t(lang, "from_year", year=year))
    scope = " ".join(scope_parts) or t(lang, "anywhere")
    if result is None:
        return t(lang, "longest_none", scope=scope)
    # Say where and when only when the question did not already.
    unasked = [] if platform else [_display(engine, result.platform)]
    unasked += [] if year else [str(result.year)]
    return t(
        lang,
        "longest_tv" if result.duration_type == "season" else "longest_movie",
        scope=scope,
        title=esc(result.title),
        where=f" ({', '.join(unasked)})" if unasked else "",
        duration=_duration(lang, result.duration_int, result.duration_type),
    )


def _score_count(engine: Engine, lang: str, args: Mapping[str, object]) -> str:
    result = engine.catalogue.score_count(args["platform"], args["score"], args["year"])
    return plural(
        lang,
        "score_count",
        result.count,
        count=number(lang, result.count),
        platform=_display(engine, result.platform),
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
        platform=_display(engine, result.platform),
        movies=plural(lang, "movies", result.movies),
        shows=plural(lang, "shows", result.tv_shows),
    )


def _actor(engine: Engine, lang: str, args: Mapping[str, object]) -> str:
    result = engine.catalogue.actor(args["platform"], args["year"])
    platform = _display(engine, result.platform)
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


_QUESTIONS: dict[str, Callable[[Engine, str, Mapping[str, object]], str | Reply | Problem]] = {
    parsing.LONGEST: _longest,
    parsing.SCORE_COUNT: _score_count,
    parsing.COUNT: _count,
    parsing.ACTOR: _actor,
    parsing.COUNTRY: _country,
    parsing.RATING: _rating,
}


# -- where to watch, why two titles are alike -------------------------------------------
def where_reply(intent: Intent, engine: Engine, lang: str) -> Reply:
    """Every platform that carries a work, one line per record, with the date it was added."""
    args = intent.args
    asked = _asked_work(engine, args)
    if asked is None:
        return Reply(t(lang, "gone"), alert=True)
    work_id, found = asked
    if work_id is None:
        return _where_not_found(args, found, engine, lang)
    work = engine.details(work_id)
    if work is None:
        return Reply(t(lang, "gone"), alert=True)
    lines = [t(lang, "where_header", title=esc(work.title), year=work.year)]
    for record in engine.where(work_id):
        same = fold(record.title) == fold(work.title)
        as_title = "" if same else t(lang, "where_as", title=esc(record.title))
        platform = _display(engine, record.platform)
        if record.date_added is None:
            lines.append(t(lang, "where_line_undated", platform=platform, as_title=as_title))
        else:
            date = date_text(lang, record.date_added)
            lines.append(t(lang, "where_line", platform=platform, as_title=as_title, date=date))
    similar = Button(t(lang, "similar_button"), callbacks.encode_more(work.id))
    return Reply("\n".join(lines), ((similar,),))


def _where_not_found(
    args: Mapping[str, object], found: Sequence[Match], engine: Engine, lang: str
) -> Reply:
    query = esc(shorten(" ".join(str(args[key]) for key in ("title", "year") if args.get(key)), 60))
    if not found:
        platforms = join_names(lang, [esc(p.display_name) for p in engine.registry])
        text = t(lang, "where_not_found", query=query, platforms=platforms)
        return Reply(text, nothing_found=True)
    if found[0].confidence >= CLOSE_ENOUGH:  # Several works go by this title: which one?
        text = t(lang, "did_you_mean")
        found = _close_to_best(found)
    else:
        text = t(lang, "where_closest", query=query)
    rows = tuple(
        (Button(_choice_label(match, engine), callbacks.encode_where(match.id)),)
        for match in found[:DID_YOU_MEAN]
    )
    return Reply(text, rows)


def _close_to_best(found: Sequence[Match]) -> list[Match]:
    return [match for match in found if match.confidence >= found[0].confidence - CLOSE_TO_BEST]


def _choice_label(match: Match, engine: Engine) -> str:
    where = ", ".join(engine.registry.display(match.platforms))
    return f"{shorten(match.title, CHOICE_TITLE_LENGTH)} ({match.year}) · {where}"


def why_reply(intent: Intent, engine: Engine, lang: str) -> Reply:
    """How alike two works are, what they share, and the terms that weigh most."""
    args = intent.args
    works = []
    for wanted in (args, args["other"]):
        title, year = str(wanted["title"]), wanted.get("year")
        work_id, found = _find(engine, title, year)
        if work_id is None and found and found[0].confidence >= CLOSE_ENOUGH:
            work_id = found[0].work_id  # One of several; the reply names the one it compared.
        if work_id is None:
            query = esc(shorten(f"{title} {year or ''}".strip(), 60))
            text = t(lang, "why_not_found", query=query)
            return Reply(f"{text}\n{t(lang, 'example', example=t(lang, 'example_why'))}")
        works.append(engine.details(work_id))
    first, second = works
    if first.work_id == second.work_id:
        return Reply(f"{t(lang, 'why_same')}\n{t(lang, 'example', example=t(lang, 'example_why'))}")
    explanation = engine.why(first.work_id, second.work_id, top=WHY_TERMS)
    lines = [
        t(
            lang,
            "why_header",
            first=esc(first.title),
            first_year=first.year,
            second=esc(second.title),
            second_year=second.year,
            percent=number(lang, explanation.similarity * 100) + " %",
        )
    ]
    reason = explanation.reason
    if reason.directors:
        lines.append(t(lang, "why_director", names=esc(join_names(lang, reason.directors))))
    if reason.cast:
        lines.append(t(lang, "why_cast", names=esc(join_names(lang, reason.cast))))
    if reason.genres:
        names = join_names(lang, [genre_name(lang, genre) for genre in reason.genres])
        lines.append(t(lang, "why_genres", names=esc(names)))
    if reason.themes:
        lines.append(t(lang, "why_themes", words=esc(", ".join(reason.themes))))
    if explanation.terms:
        # A word can weigh in two fields ("comedy", a genre and in the description): once.
        terms = ", ".join(dict.fromkeys(term.term.replace("_", " ") for term in explanation.terms))
        lines.append(t(lang, "why_terms", terms=esc(terms)))
    else:
        lines.append(t(lang, "why_nothing"))
    buttons = tuple(
        (
            Button(
                t(lang, "more_like", title=shorten(work.title, BUTTON_TITLE_LENGTH)),
                callbacks.encode_more(work.id),
            ),
        )
        for work in works
    )
    return Reply("\n".join(lines), buttons)


# -- new arrivals, the chat's platforms, charts ---------------------------------------------
def new_reply(
    engine: Engine, lang: str, args: Mapping[str, object], mine: Collection[str] = ()
) -> Reply:
    """The latest additions, how old the snapshot is, and which platforms give no dates."""
    catalogue = engine.catalogue
    platform = _platform_filter(engine, args)
    narrowed = _mine(engine, args, mine)
    scope = [platform] if platform else narrowed or engine.registry.names
    latest = catalogue.newest(scope, limit=NEW_TITLES)
    where = t(lang, "on_platform", platform=_display(engine, platform)) if platform else ""
    lines = [t(lang, "new_header", where=where, date=_as_of(engine, lang))]
    if narrowed:
        lines.append(_mine_line(engine, lang, narrowed))
    lines.append("")
    for position, title in enumerate(latest.titles, start=1):
        lines.append(
            t(
                lang,
                "new_line",
                n=position,
                title=esc(title.title),
                year=title.year,
                type=type_name(lang, title.type),
                platform=_display(engine, title.platform),
                date=date_text(lang, title.date_added),
            )
        )
    notes = []
    for name in scope:
        counts = catalogue.newest([name], limit=0)
        if counts.total and counts.undated == counts.total:
            notes.append(t(lang, "new_none", platform=_display(engine, name)))
        elif counts.undated >= UNDATED_SHARE * counts.total > 0:
            notes.append(
                t(
                    lang,
                    "new_undated",
                    platform=_display(engine, name),
                    undated=number(lang, counts.undated),
                    total=number(lang, counts.total),
                )
            )
    if notes:
        lines += ["", *notes]
    everywhere = Button(t(lang, "show_everywhere"), callbacks.encode_new())
    return Reply("\n".join(lines).strip(), ((everywhere,),) if narrowed else ())


def _as_of(engine: Engine, lang: str) -> str:
    """The date of the catalogue snapshot, or a dash when no title has a date."""
    as_of = engine.catalogue.as_of
    return date_text(lang, as_of) if as_of else "—"


def platforms_reply(
    engine: Engine, lang: str, args: Mapping[str, object], mine: Collection[str] = ()
) -> Reply:
    """The chat's platforms as toggle buttons; with ``platforms`` or ``toggle``, changed."""
    registry = engine.registry
    current = {platform.name for platform in registry if platform.name in mine}
    chosen = current
    if "platforms" in args:
        chosen = {registry.resolve(str(name)).name for name in args["platforms"]}
    elif args.get("toggle"):
        platform = registry.resolve(str(args["toggle"]))
        if platform is None:
            return stale_reply(lang)
        chosen = current ^ {platform.name}
    if len(chosen) == len(registry):
        chosen = set()  # Every platform is the same as no choice: new platforms join too.
    changed = chosen != current or "platforms" in args
    if chosen:
        names = join_names(lang, registry.display(sorted(chosen, key=registry.names.index)))
        text = t(lang, "platforms_some", platforms=esc(names))
    else:
        text = t(lang, "platforms_all")
    if changed:
        text = t(lang, "platforms_saved") + text
    toggles = [
        Button(
            t(lang, "platform_on" if platform.name in chosen else "platform_off", platform=name),
            callbacks.encode_toggle(platform.letter),
        )
        for platform, name in zip(registry, registry.display(registry.names), strict=True)
    ]
    rows = [
        tuple(toggles[start : start + PLATFORM_BUTTONS_PER_ROW])
        for start in range(0, len(toggles), PLATFORM_BUTTONS_PER_ROW)
    ]
    if chosen:
        rows.append((Button(t(lang, "platforms_reset"), callbacks.encode_toggle(None)),))
    return Reply(text, tuple(rows), platforms=frozenset(chosen) if changed else None)


def stats_reply(engine: Engine, lang: str, args: Mapping[str, object]) -> Reply:
    """The caption of a chart of the catalogue, or of one platform; the front end draws it."""
    catalogue = engine.catalogue
    date = _as_of(engine, lang)
    platform = _platform_filter(engine, args)
    if platform is not None:
        count = catalogue.count(platform)
        text = t(
            lang,
            "stats_platform_caption",
            platform=_display(engine, platform),
            movies=plural(lang, "movies", count.movies),
            shows=plural(lang, "shows", count.tv_shows),
            date=date,
        )
        return Reply(text, chart=ChartRequest(platform))
    lines = [
        t(
            lang,
            "stats_caption",
            titles=plural(lang, "titles", len(catalogue)),
            count=len(engine.registry),
            date=date,
        )
    ]
    for name in engine.registry.names:
        count = catalogue.count(name)
        lines.append(
            t(
                lang,
                "stats_line",
                platform=_display(engine, name),
                movies=plural(lang, "movies", count.movies),
                shows=plural(lang, "shows", count.tv_shows),
            )
        )
    buttons = [
        Button(t(lang, "stats_button", platform=p.display_name), callbacks.encode_stats(p.letter))
        for p in engine.registry
    ]
    rows = tuple(
        tuple(buttons[start : start + PLATFORM_BUTTONS_PER_ROW])
        for start in range(0, len(buttons), PLATFORM_BUTTONS_PER_ROW)
    )
    return Reply("\n".join(lines), rows, chart=ChartRequest())


# -- inline mode ---------------------------------------------------------------------------
@dataclass(frozen=True)
class InlineItem:
    """One inline result: a unique id, what the list shows, and the HTML message it sends."""

    id: str
    title: str
    description: str
    text: str


@dataclass(frozen=True)
class InlinePage:
    """One page of inline results; ``next_offset`` is empty on the last page."""

    items: tuple[InlineItem, ...]
    next_offset: str = ""


def inline_page(
    query: str, engine: Engine, lang: str, offset: str = "", mine: Collection[str] = ()
) -> InlinePage:
    """Results for ``@bot <query>`` from ``offset``: the matched work, then works like it
    (on ``mine``, the user's platforms, when they chose some)."""
    # The offset is one this bot gave ("10") unless a client forged it: "²" passes isdigit()
    # and fails int(), and int() refuses more than 4,300 digits.
    start = int(offset) if offset.isascii() and offset.isdecimal() and len(offset) <= 4 else 0
    if not query.strip() or start >= INLINE_MAX_RESULTS:
        return InlinePage(())
    asked = parsing.where_title(query[: parsing.MAX_TITLE_LENGTH])
    if asked is not None:
        return InlinePage(() if start else _inline_where(asked, engine, lang))
    matches = engine.match(query[: parsing.MAX_TITLE_LENGTH], limit=1)
    if not matches:
        return InlinePage(())
    work = engine.details(matches[0].work_id)
    if work is None:
        return InlinePage(())
    items = []
    if start == 0:
        description = " · ".join(
            [type_name(lang, work.type), ", ".join(engine.registry.display(work.platforms))]
        )
        items.append(
            InlineItem(
                id=f"w-{work.id}",
                title=f"{work.title} ({work.year})",
                description=f"{description}\n{t(lang, 'inline_match')}",
                text=details_text(work, engine, lang),
            )
        )
    narrowed = _mine(engine, {}, mine)
    results = engine.similar(work.work_id, INLINE_PAGE_SIZE, narrowed or None, offset=start)
    like = t(lang, "like_header", title=esc(work.title), year=work.year)
    for result in results:
        facts = [type_name(lang, result.type), ", ".join(engine.registry.display(result.platforms))]
        if result.score is not None:
            facts.append(f"⭐ {score_text(lang, result.score)}")
        reason = reason_text(result.reason, lang)
        items.append(
            InlineItem(
                id=f"r{start}-{result.id}",
                title=f"{result.title} ({result.year})",
                description=f"{' · '.join(facts)}\n{reason}",
                text=f"{like}\n\n{_result_line(result, engine, lang)}\n<i>{esc(reason)}</i>",
            )
        )
    following = start + INLINE_PAGE_SIZE
    more = len(results) == INLINE_PAGE_SIZE and following < INLINE_MAX_RESULTS
    return InlinePage(tuple(items), str(following) if more else "")


def _inline_where(title: str, engine: Engine, lang: str) -> tuple[InlineItem, ...]:
    """ "@bot where <title>": where each work of that title streams, one result per work."""
    found = engine.match(title, limit=DID_YOU_MEAN)
    items = []
    for match in _close_to_best(found) if found else []:
        reply = where_reply(Intent(parsing.WHERE, {"record_id": match.id}), engine, lang)
        items.append(
            InlineItem(
                id=f"where-{match.id}",
                title=f"📺 {match.title} ({match.year})",
                description=", ".join(engine.registry.display(match.platforms)),
                text=reply.text,
            )
        )
    return tuple(items)
