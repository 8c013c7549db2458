"""Where a work streams, and why two works are alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.chat import callbacks
from bot.chat.i18n import date_text, genre_name, join_names, number, t
from bot.chat.parsing import Intent
from bot.chat.replies import Ask, Button, Reply, esc, shorten, years
from bot.chat.replies.scope import display
from bot.chat.replies.titles import (
    BUTTON_TITLE_LENGTH,
    CLOSE_ENOUGH,
    DID_YOU_MEAN,
    asked_work,
    choice_label,
    close_to_best,
    find,
    named,
    not_carried,
    not_carried_line,
    not_carried_reply,
    typed_alias,
)
from recommender.engine import Engine, Match
from recommender.text import fold

WHY_TERMS = 6


def where_reply(intent: Intent, ask: Ask) -> Reply:
    """Every platform that carries a work, one line per record, with the date it was added."""
    args, engine, lang = intent.args, ask.engine, ask.lang
    asked = asked_work(engine, args)
    if asked is None:
        return Reply(t(lang, "gone"), alert=True)
    work_id, found = asked
    known = not_carried(engine, args)
    if known is not None:
        return not_carried_reply(Intent(intent.name, {"title": args["title"]}), ask, known)
    asked_platform = args.get("platform")
    if work_id is None and asked_platform and found and found[0].confidence >= CLOSE_ENOUGH:
        # "is the office on netflix?": of the works of that title, the one on Netflix.
        there = [m for m in close_to_best(found) if asked_platform in m.platforms]
        work_id = there[0].work_id if len(there) == 1 else None
    if work_id is None:
        return _where_not_found(args, found, engine, lang)
    work = engine.details(work_id)
    if work is None:
        return Reply(t(lang, "gone"), alert=True)
    alias = named(lang, typed_alias(found), "named_card")
    year = years(engine, lang, work)
    lines = [t(lang, "where_header", title=esc(work.title), year=year, named=alias)]
    if asked_platform:  # "is friends on netflix?": yes or no first
        answer = "where_on_yes" if asked_platform in work.platforms else "where_on_no"
        lines.insert(0, t(lang, answer, platform=display(engine, str(asked_platform))))
    for record in engine.where(work_id):
        same = fold(record.title) == fold(work.title)
        as_title = "" if same else t(lang, "where_as", title=esc(record.title))
        platform = display(engine, record.platform)
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
        found = close_to_best(found)
    else:
        text = t(lang, "where_closest", query=query)
    rows = tuple(
        (Button(choice_label(match, engine, lang), callbacks.encode_where(match.id)),)
        for match in found[:DID_YOU_MEAN]
    )
    return Reply(text, rows)


def why_reply(intent: Intent, ask: Ask) -> Reply:
    """How alike two works are, what they share, and the terms that weigh most."""
    args, engine, lang = intent.args, ask.engine, ask.lang
    works = []
    for wanted in (args, args["other"]):
        title, year = str(wanted["title"]), wanted.get("year")
        work_id, found = find(engine, title, year)
        if work_id is None and found and found[0].confidence >= CLOSE_ENOUGH:
            work_id = found[0].work_id  # One of several; the reply names the one it compared.
        known = not_carried(engine, wanted)
        if known is not None:
            text = not_carried_line(known, engine, lang)
            return Reply(f"{text}\n{t(lang, 'example', example=t(lang, 'example_why'))}")
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
            first_year=years(engine, lang, first),
            second=esc(second.title),
            second_year=years(engine, lang, second),
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
        themes = join_names(lang, [theme.name(lang) for theme in reason.themes])
        lines.append(t(lang, "why_themes", words=esc(themes)))
    if explanation.terms:
        # The synopses' words are left to the themes above: alone they read as fragments
        # ("high", "follows"). A word can weigh in two fields ("comedy", a genre and in the
        # title): once.
        said = (term.term for term in explanation.terms if term.field != "description")
        terms = ", ".join(dict.fromkeys(term.replace("_", " ") for term in said))
        if terms:
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
