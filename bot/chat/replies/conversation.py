"""Help, what was wrong with a message, and small talk."""

from __future__ import annotations

from bot.chat import parsing
from bot.chat.i18n import join_names, t
from bot.chat.parsing import Intent, Problem
from bot.chat.replies import Ask, Reply, esc


def greeting_reply(intent: Intent, ask: Ask) -> Reply:
    return Reply(t(ask.lang, "greeting"))


def thanks_reply(intent: Intent, ask: Ask) -> Reply:
    return Reply(t(ask.lang, "thanks"))


def empty_reply(intent: Intent, ask: Ask) -> Reply:
    """A message with nothing the bot can answer (an empty one, or a button's leftover)."""
    return Reply(t(ask.lang, "empty"))


def language_reply(intent: Intent, ask: Ask) -> Reply:
    """The chat switches to the language asked for; the confirmation is in that language."""
    language = str(intent.args["language"])
    return Reply(t(language, "lang_set"), language=language)


def unknown_command_reply(intent: Intent, ask: Ask) -> Reply:
    return Reply(t(ask.lang, "unknown_command", command=esc(intent.args.get("command", ""))))


def problem_reply(intent: Intent, ask: Ask) -> Reply:
    """What was wrong with the arguments, and one example that works."""
    engine, lang = ask.engine, ask.lang
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
