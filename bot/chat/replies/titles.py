"""A title's card, works like it page by page, and "did you mean" when the title is unclear;
for a title no platform carries, that it is not carried, and works like it."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

from bot.chat import callbacks, parsing
from bot.chat.i18n import country_name, genre_name, join_names, number, plural, t, type_name
from bot.chat.parsing import Intent
from bot.chat.replies import Ask, Button, Reply, esc, shorten, years
from bot.chat.replies.feedback import feedback_buttons, result_rows
from bot.chat.replies.scope import display, letter, mine_line, narrowing, platform_filter
from bot.chat.state import Discovering
from recommender.elsewhere import KnownWork
from recommender.engine import Engine, Match, Reason, Recommendation, WorkDetails
from recommender.matcher import CONFIDENT, is_confident
from recommender.text import fold, normalize_title

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
DESCRIPTION_LENGTH = 200
CAST_SHOWN = 3
# A candidate this close is the title asked for, though maybe one of several works called so;
# below it the title is not in the catalogue and candidates are only the closest there are.
CLOSE_ENOUGH = 0.9
# The runs of a title's words that name a work exactly, looked at: the longest two, so
# "the office" offers *The Office* (and with its article dropped, *Office*).
EXACT_RUNS = 2
# What ``matcher`` scores a title named exactly, its article or qualifier aside.
EXACTLY = 0.98


def title_reply(intent: Intent, ask: Ask) -> Reply:
    """``recommend``, ``info`` and ``title``, from a typed title or a button's record id."""
    args, engine, lang = intent.args, ask.engine, ask.lang
    asked = asked_work(engine, args)
    if asked is None:
        return Reply(t(lang, "gone"), alert=True)
    work_id, found = asked
    known = not_carried(engine, args)
    if known is not None:
        return not_carried_reply(intent, ask, known)
    if work_id is None and not found:
        query = " ".join(str(part) for part in (args["title"], args.get("year", "")) if part)
        return unknown_title_reply(query, engine, lang)
    if work_id is None:
        return _did_you_mean(intent, found, engine, lang)
    platform = platform_filter(engine, args)
    item_type = args.get("item_type")
    offset = int(args.get("offset", 0))
    work = engine.details(work_id)
    if work is None:
        return Reply(t(lang, "gone"), alert=True)
    alias = typed_alias(found)
    if intent.name == parsing.INFO:
        return Reply(details_text(work, engine, lang, alias), card_buttons(work, ask))
    page = recommendations_reply(
        work,
        ask,
        offset,
        platform,
        item_type,
        mine=narrowing(engine, args, ask.mine),
        everywhere=bool(args.get("everywhere")),
        alias=alias,
    )
    if intent.name == parsing.TITLE:
        text = f"{details_text(work, engine, lang, alias)}\n\n{page.text}"
        own = card_buttons(work, ask)[0]
        return Reply(text, (own, *page.buttons), discovery=page.discovery)
    return page


def asked_work(engine: Engine, args: Mapping[str, object]) -> tuple[str | None, list[Match]] | None:
    """The work a request names, by a button's record id or by a typed title (and year),
    with the candidates to ask about; ``None`` when the button's record is gone."""
    record_id = args.get("record_id")
    if record_id is None:
        return find(engine, str(args["title"]), args.get("year"))
    work_id = engine.work_of(str(record_id))
    return None if work_id is None else (work_id, [])


def find(engine: Engine, title: str, year: object = None) -> tuple[str | None, list[Match]]:
    """The work ``title`` names, or the candidates to ask about (none: nothing is close).

    A ``year`` typed after the title picks among works of that title ("The Office 2005"),
    unless title and year together name a work ("Louis C.K. 2017").
    """
    text = f"{title} {year}" if year else title
    found = _in_order(engine.match(text, limit=YEAR_CANDIDATES))[:DID_YOU_MEAN]
    if _sure(found):
        return found[0].work_id, found
    if not year and (not found or found[0].confidence < CLOSE_ENOUGH):
        return None, _named_within(engine, title, found)
    if not year:
        return None, found
    by_title = engine.match(title, limit=YEAR_CANDIDATES)
    of_year = [match for match in by_title if match.year == year]
    if _sure(of_year):
        return of_year[0].work_id, of_year
    others = [match for match in by_title if match.year != year]
    return None, (of_year + others)[:DID_YOU_MEAN] or found


def _in_order(found: list[Match]) -> list[Match]:
    """``found``, best first, and as sure ones as a franchise is told: movies first, oldest
    first ("star wars": A New Hope, The Empire Strikes Back…)."""
    return sorted(found, key=lambda match: (-match.confidence, match.type != "movie", match.year))


def _named_within(engine: Engine, text: str, found: list[Match]) -> list[Match]:
    """``found``, after the works ``text`` names exactly in a run of its words ("have you
    seen friends" names *Friends*, but "you" is no title there), so that "did you mean"
    offers them."""
    runs = [run for run in engine.titles_within(text) if not parsing.everyday(run)]
    exact = [
        match
        for run in runs[:EXACT_RUNS]
        for match in engine.match(run, limit=DID_YOU_MEAN)
        if match.confidence >= EXACTLY
    ]
    return list({match.work_id: match for match in [*exact, *found][::-1]}.values())[::-1]


def not_carried(engine: Engine, args: Mapping[str, object]) -> KnownWork | None:
    """The work a typed title names that no platform carries (see ``Engine.not_carried``);
    ``None`` for a button's record, which is carried. Its rivals are the catalogue works
    the whole title names, not those a run of its words does ("game" in "game of thrones")."""
    if args.get("record_id") is not None:
        return None
    title, year = str(args["title"]), args.get("year")
    rivals = engine.match(title, limit=DID_YOU_MEAN)
    if year is None and rivals and rivals[0].confidence >= 1.0:
        return None  # a catalogue work's whole title: no work elsewhere is named more surely
    return engine.not_carried(title, rivals, year if isinstance(year, int) else None)


def as_of(engine: Engine) -> str:
    """The year of the catalogue snapshot, as replies date it."""
    date = engine.catalogue.as_of
    return date[:4] if date else str(datetime.date.today().year)


def not_carried_line(known: KnownWork, engine: Engine, lang: str) -> str:
    """That ``known`` is not carried: "<b>Interstellar</b> (2014) isn't on Netflix, Prime
    Video, Disney+ or Hulu in this catalogue (as of 2021)"."""
    platforms = join_names(lang, [esc(p.display_name) for p in engine.registry], "list_nor")
    return t(
        lang,
        "not_carried",
        title=esc(known.title),
        year=known.year,
        named=named(lang, known.alias),
        platforms=platforms,
        as_of=as_of(engine),
    )


def not_carried_text(known: KnownWork, engine: Engine, lang: str) -> str:
    """That ``known`` is not carried (``not_carried_line``), with its genres and directors."""
    lines = [not_carried_line(known, engine, lang)]
    facts = type_name(lang, known.type)
    if known.genres:
        facts += " · " + ", ".join(genre_name(lang, genre) for genre in known.genres[:4])
    lines.append(esc(facts))
    if known.directors:
        lines.append(t(lang, "directed_by", names=esc(join_names(lang, known.directors[:2]))))
    return "\n".join(lines)


def not_carried_reply(intent: Intent, ask: Ask, known: KnownWork) -> Reply:
    """A title no platform carries: that it is not carried, a catalogue work of the same
    name as the other work it is, and the works most like it by what is known of it."""
    args, engine, lang = intent.args, ask.engine, ask.lang
    platform = platform_filter(engine, args)
    item_type = str(args["item_type"]) if args.get("item_type") else None
    mine = narrowing(engine, args, ask.mine)
    lines = [not_carried_text(known, engine, lang)]
    rows: list[tuple[Button, ...]] = []
    found = engine.match(str(args["title"]), limit=1)
    other = found[0] if found and found[0].confidence >= CLOSE_ENOUGH else None
    if other is not None:
        key = "not_carried_other_movie" if other.type == "movie" else "not_carried_other_tv"
        lines.append(t(lang, key, title=esc(other.title), year=years(engine, lang, other)))
        rows.append((Button(choice_label(other, engine, lang), callbacks.encode_title(other.id)),))
    where = platform or mine or None
    results = engine.like_known(known, PAGE_SIZE, where, item_type, exclude=ask.hidden)
    if not results:
        lines += ["", t(lang, "not_carried_nothing")]
        return Reply("\n".join(lines), tuple(rows))
    lines += ["", t(lang, "not_carried_like")]
    only = _filters_line(engine, lang, platform, item_type)
    if only:
        lines.append(only)
    if mine:
        lines.append(mine_line(engine, lang, mine))
    lines += numbered_results(results, engine, lang)
    rows += result_rows(results, ask, letter(engine, platform), item_type)
    listed = Discovering(_known_slots(known, platform, item_type), known=str(args["title"]))
    return Reply("\n".join(lines), tuple(rows), discovery=listed)


def _known_slots(known: KnownWork, platform: str | None, item_type: str | None) -> dict:
    """What a refinement of the works like ``known`` keeps: its first genre, the platform
    and the type asked for."""
    genres = {"genres": tuple(known.genres[:1])} if known.genres else {}
    return {**genres, **scope_slots(platform, item_type)}


def known_page(last: Discovering, offset: int, ask: Ask) -> Reply:
    """The next page of the works like one no platform carries, the chat's last list."""
    engine, lang = ask.engine, ask.lang
    typed = str(last.known)
    known = engine.not_carried(typed, engine.match(typed))
    if known is None:
        return Reply(t(lang, "gone"))
    platform, item_type = slots_scope(last.slots)
    where = platform or ask.mine or None
    results = engine.like_known(known, PAGE_SIZE, where, item_type, offset, exclude=ask.hidden)
    if not results:
        return Reply(t(lang, "like_end", title=esc(known.title)))
    header = t(
        lang,
        "like_header_page",
        title=esc(known.title),
        year=known.year,
        first=offset + 1,
        last=offset + len(results),
    )
    lines = [header, *numbered_results(results, engine, lang, offset + 1)]
    rows = result_rows(results, ask, letter(engine, platform), item_type)
    listed = Discovering(last.slots, offset, known=typed)
    return Reply("\n".join(lines), tuple(rows), discovery=listed)


def unknown_title_reply(query: str, engine: Engine, lang: str) -> Reply:
    """Nothing, carried or not, is called ``query``: it is not in the catalogue when its words
    are words the catalogue knows, and maybe misspelt when not."""
    text = esc(shorten(query, 60))
    if not is_words(engine, query):
        return Reply(t(lang, "not_found", query=text), nothing_found=True)
    platforms = join_names(lang, [esc(p.display_name) for p in engine.registry])
    missing = t(lang, "not_in_catalogue", query=text, platforms=platforms, as_of=as_of(engine))
    return Reply(missing, nothing_found=True)


def is_words(engine: Engine, text: str) -> bool:
    """Whether every word of ``text`` is a word of the catalogue's titles, synopses and
    people, or of its Spanish lexicon: a title typed right, rather than a slip. Chatter
    ("I like you") is not a title at all."""
    words = normalize_title(text).split()
    has_letters = any(word.isalpha() for word in words)
    if not has_letters or parsing.everyday(text):
        return False
    return all(engine.knows_word(fold(word)) for word in words)


def typed_alias(found: Sequence[Match]) -> str | None:
    """The other name of the work found first (``titles_alt.csv``) that the user typed."""
    return found[0].alias if found else None


def named(lang: str, alias: str | None, key: str = "named_inline") -> str:
    """``alias`` as a reply shows it beside a catalogue title; ``""`` for none."""
    return t(lang, key, alias=esc(alias)) if alias else ""


def _sure(matches: list[Match]) -> bool:
    return is_confident([match.confidence for match in matches])


def _did_you_mean(intent: Intent, found: Sequence[Match], engine: Engine, lang: str) -> Reply:
    platform = platform_filter(engine, intent.args)
    item_type = intent.args.get("item_type")
    rows = []
    for match in close_to_best(found)[:DID_YOU_MEAN]:
        label = choice_label(match, engine, lang)
        if intent.name == parsing.INFO:
            data = callbacks.encode_info(match.id)
        elif intent.name == parsing.TITLE:
            data = callbacks.encode_title(match.id)
        elif intent.name == parsing.SUGGEST:
            data = callbacks.encode_suggest(match.id)
        else:
            data = callbacks.encode_recommend(
                match.id, 0, letter(engine, platform), str(item_type) if item_type else None
            )
        rows.append((Button(label, data),))
    title = str(intent.args["title"])
    if found[0].confidence < CLOSE_ENOUGH and is_words(engine, title):
        # Words typed right that name no title are no slip: say it is not in the catalogue,
        # with the closest titles only when they are close.
        if found[0].confidence < CONFIDENT:
            return unknown_title_reply(title, engine, lang)
        query = esc(shorten(title, 60))
        return Reply(t(lang, "not_in_catalogue_closest", query=query), tuple(rows))
    return Reply(t(lang, "did_you_mean"), tuple(rows))


def close_to_best(found: Sequence[Match]) -> list[Match]:
    return [match for match in found if match.confidence >= found[0].confidence - CLOSE_TO_BEST]


def choice_label(match: Match, engine: Engine, lang: str) -> str:
    where = ", ".join(engine.registry.display(match.platforms))
    return f"{shorten(match.title, CHOICE_TITLE_LENGTH)} ({years(engine, lang, match)}) · {where}"


def card_buttons(work: WorkDetails, ask: Ask) -> tuple[tuple[Button, ...], ...]:
    """A title card's buttons: feedback and share, then works like it."""
    share = Button(t(ask.lang, "share_button"), "", share=work.title)
    return (
        (*feedback_buttons(work.id, ask.taste, ask.engine), share),
        (Button(t(ask.lang, "similar_button"), callbacks.encode_more(work.id)),),
    )


def recommendations_reply(
    work: WorkDetails,
    ask: Ask,
    offset: int = 0,
    platform: str | None = None,
    item_type: str | None = None,
    mine: Sequence[str] = (),
    everywhere: bool = False,
    alias: str | None = None,
) -> Reply:
    """One page of works like ``work``, with their buttons; ``alias``, the other name the
    user typed for it, shows beside its title.

    ``mine``, the chat's platforms, narrows the page when ``platform`` is not given, and a
    button lifts it; its pages are ``everywhere``.
    """
    engine, lang = ask.engine, ask.lang
    offset = max(0, min(offset, MAX_RESULTS - PAGE_SIZE))
    where = platform or mine or None
    results = engine.similar(
        work.work_id, PAGE_SIZE + 1, where, item_type, offset, exclude=ask.hidden
    )
    has_next = len(results) > PAGE_SIZE and offset + PAGE_SIZE < MAX_RESULTS
    results = results[:PAGE_SIZE]
    title, year = esc(work.title), years(engine, lang, work)
    platform_letter = letter(engine, platform)
    lift = ()
    if mine:
        data = callbacks.encode_recommend(work.id, 0, None, item_type, everywhere=True)
        lift = ((Button(t(lang, "show_everywhere"), data),),)
    if not results:
        if offset:
            text = t(lang, "like_end", title=title)
        else:
            scope = t(lang, "on_platform", platform=display(engine, platform)) if platform else ""
            if item_type:
                scope += t(lang, "of_type_movie" if item_type == "movie" else "of_type_tv")
            text = t(lang, "like_none", title=title, year=year, where=scope)
            if mine:
                text += "\n" + mine_line(engine, lang, mine)
        back = _nav_row(work.id, offset, False, platform_letter, item_type, lang, everywhere)
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
        header = t(lang, "like_header", title=title, year=year, named=named(lang, alias))
    lines = [header]
    only = _filters_line(engine, lang, platform, item_type)
    if only:
        lines.append(only)
    if mine:
        lines.append(mine_line(engine, lang, mine))
    lines += numbered_results(results, engine, lang, offset + 1)
    rows = result_rows(results, ask, platform_letter, item_type)
    nav = _nav_row(work.id, offset, has_next, platform_letter, item_type, lang, everywhere)
    if nav:
        rows.append(nav)
    listed = remembered(work, offset, platform, item_type)
    return Reply("\n".join(lines), tuple(rows) + lift, discovery=listed)


def remembered(
    work: WorkDetails, offset: int, platform: str | None, item_type: str | None
) -> Discovering:
    """A page of works like ``work``, as the chat's last list: "more" pages on, and "only
    series" asks for works like it that are series."""
    return Discovering(
        {"like": (work.id,), **scope_slots(platform, item_type)}, offset, similar=work.id
    )


def scope_slots(platform: str | None, item_type: str | None) -> dict[str, object]:
    """A page's platform and type (``"tv show"``) as a list's slots (``"tv"``)."""
    slots: dict[str, object] = {}
    if platform:
        slots["platforms"] = (platform,)
    if item_type:
        slots["type"] = "movie" if item_type == "movie" else "tv"
    return slots


def slots_scope(slots: Mapping[str, object]) -> tuple[str | None, str | None]:
    """The platform (when one) and type (``"tv show"``) a list's slots keep to."""
    platforms = tuple(slots.get("platforms", ()))
    kind = slots.get("type")
    item_type = None if kind is None else ("movie" if kind == "movie" else "tv show")
    return (platforms[0] if len(platforms) == 1 else None), item_type


def numbered_results(
    results: Sequence[Recommendation], engine: Engine, lang: str, first: int = 1
) -> list[str]:
    """The lines of a list of works, numbered from ``first``, each with its reason."""
    lines = []
    for number_, result in enumerate(results, start=first):
        lines.append("")
        lines.append(f"{number_}. {result_line(result, engine, lang)}")
        lines.append(f"    <i>{esc(reason_text(result.reason, lang))}</i>")
    return lines


def _filters_line(engine: Engine, lang: str, platform: str | None, item_type: str | None) -> str:
    parts = []
    if item_type:
        parts.append(t(lang, "only_movies" if item_type == "movie" else "only_tv"))
    if platform:
        parts.append(t(lang, "only_on", platform=display(engine, platform)))
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


def result_line(result: Recommendation, engine: Engine, lang: str) -> str:
    parts = [
        f"<b>{esc(result.title)}</b> ({years(engine, lang, result)})",
        type_name(lang, result.type),
        esc(", ".join(engine.registry.display(result.platforms))),
    ]
    if result.score is not None:
        parts.append(f"⭐ {score_text(lang, result.score)}")
    if result.versions:
        parts.append(t(lang, "also_versions", versions=esc(", ".join(result.versions))))
    return " · ".join(parts)


def reason_text(reason: Reason, lang: str, shared: bool = True) -> str:
    """Why a work was recommended, as one short line in ``lang`` (plain text; escape it for
    HTML): who made both (the director, else the cast) and what both are about, else their
    genres; without people, the genres and what both are about. With ``shared=False`` (a
    discovery) the themes are those asked for that the work is about.

    >>> pixar = Reason(genres=["animation", "comedy"], directors=["Pete Docter"])
    >>> reason_text(pixar, "en")
    'same director, Pete Docter · animation, comedy'
    >>> reason_text(pixar, "es")
    'del mismo director, Pete Docter · animación, comedia'
    >>> from recommender.themes import Theme
    >>> drugs = Reason(themes=[Theme("drugs", "drogas"), Theme("family", "familia")])
    >>> reason_text(drugs, "en"), reason_text(drugs, "es")
    ('both about drugs and family', 'también sobre drogas y familia')
    >>> reason_text(Reason(genres=["drama"], themes=[Theme("heists", "atracos")]), "es", False)
    'drama · sobre atracos'
    >>> reason_text(Reason(genres=["drama"], cast=["Tom Hanks"], themes=drugs.themes), "en")
    'with Tom Hanks · both about drugs and family'
    >>> reason_text(Reason(), "en")
    'a similar story'
    """
    people = genres = themes = ""
    if reason.directors:
        directors = reason.directors[:2]
        names = join_names(lang, directors)
        people = plural(lang, "reason_director", len(directors), names=names)
    elif reason.cast:
        people = t(lang, "reason_cast", names=join_names(lang, reason.cast[:2]))
    if reason.genres:
        genres = ", ".join(genre_name(lang, genre) for genre in reason.genres[:3])
    if reason.themes:
        names = join_names(lang, [theme.name(lang) for theme in reason.themes[:2]])
        themes = t(lang, "reason_themes" if shared else "reason_topics", themes=names)
    parts = (people, themes or genres) if people else (genres, themes)
    return " · ".join(part for part in parts if part) or t(lang, "reason_similar")


def score_text(lang: str, score: float) -> str:
    """An audience score as ``lang`` writes it: ``7``, ``8.3`` or ``8,3``."""
    return number(lang, score, 0 if float(score).is_integer() else 1)


def details_text(work: WorkDetails, engine: Engine, lang: str, alias: str | None = None) -> str:
    """The card for one work: title (and ``alias``, the other name the user typed), year,
    type, length, rating, score, where it streams…"""
    facts = [type_name(lang, work.type)]
    if work.duration_int is not None:
        facts.append(duration(lang, work.duration_int, work.duration_type))
    if work.rating:
        facts.append(esc(work.rating))
    if work.score is not None:
        facts.append(f"⭐ {score_text(lang, work.score)}")
    heading = f"<b>{esc(work.title)}</b> ({years(engine, lang, work)})"
    lines = [heading + named(lang, alias, "named_card"), " · ".join(facts)]
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
        synopsis = f"<i>{esc(shorten(work.description, DESCRIPTION_LENGTH))}</i>"
        lines.append("\n" + t(lang, "synopsis", synopsis=synopsis))
    return "\n".join(lines)


def duration(lang: str, amount: int, unit: str | None) -> str:
    if unit == "season":
        return plural(lang, "seasons", amount)
    return t(lang, "minutes", n=number(lang, amount))
