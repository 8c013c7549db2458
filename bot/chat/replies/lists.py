"""Lists of the catalogue: new arrivals, the chat's platforms, and charts."""

from __future__ import annotations

from bot.chat import callbacks
from bot.chat.i18n import date_text, join_names, number, plural, t, type_name, years_text
from bot.chat.parsing import Intent
from bot.chat.replies import Ask, Button, ChartRequest, Reply, esc
from bot.chat.replies.conversation import stale_reply
from bot.chat.replies.scope import as_of, display, mine_line, narrowing, platform_filter

# /new lists this many titles; a platform missing this share of dates or more says so.
NEW_TITLES = 10
UNDATED_SHARE = 0.1
PLATFORM_BUTTONS_PER_ROW = 2


def new_reply(intent: Intent, ask: Ask) -> Reply:
    """The latest additions, how old the snapshot is, and which platforms give no dates."""
    args, engine, lang = intent.args, ask.engine, ask.lang
    catalogue = engine.catalogue
    platform = platform_filter(engine, args)
    narrowed = narrowing(engine, args, ask.mine)
    scope = [platform] if platform else narrowed or engine.registry.names
    latest = catalogue.newest(scope, limit=NEW_TITLES)
    where = t(lang, "on_platform", platform=display(engine, platform)) if platform else ""
    lines = [t(lang, "new_header", where=where, date=as_of(engine, lang))]
    if narrowed:
        lines.append(mine_line(engine, lang, narrowed))
    lines.append("")
    for position, title in enumerate(latest.titles, start=1):
        lines.append(
            t(
                lang,
                "new_line",
                n=position,
                title=esc(title.title),
                year=years_text(
                    lang, title.type, title.year, engine.first_year(engine.work_of(title.id) or "")
                ),
                type=type_name(lang, title.type),
                platform=display(engine, title.platform),
                date=date_text(lang, title.date_added),
            )
        )
    notes = []
    for name in scope:
        counts = catalogue.newest([name], limit=0)
        if counts.total and counts.undated == counts.total:
            notes.append(t(lang, "new_none", platform=display(engine, name)))
        elif counts.undated >= UNDATED_SHARE * counts.total > 0:
            notes.append(
                t(
                    lang,
                    "new_undated",
                    platform=display(engine, name),
                    undated=number(lang, counts.undated),
                    total=number(lang, counts.total),
                )
            )
    if notes:
        lines += ["", *notes]
    everywhere = Button(t(lang, "show_everywhere"), callbacks.encode_new())
    return Reply("\n".join(lines).strip(), ((everywhere,),) if narrowed else ())


def platforms_reply(intent: Intent, ask: Ask) -> Reply:
    """The chat's platforms as toggle buttons; with ``platforms`` or ``toggle``, changed."""
    args, engine, lang, mine = intent.args, ask.engine, ask.lang, ask.mine
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


def stats_reply(intent: Intent, ask: Ask) -> Reply:
    """The caption of a chart of the catalogue, or of one platform; the front end draws it."""
    args, engine, lang = intent.args, ask.engine, ask.lang
    catalogue = engine.catalogue
    date = as_of(engine, lang)
    platform = platform_filter(engine, args)
    if platform is not None:
        count = catalogue.count(platform)
        text = t(
            lang,
            "stats_platform_caption",
            platform=display(engine, platform),
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
                platform=display(engine, name),
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
