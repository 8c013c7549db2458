"""Language data apart from logic: a third language is one more file, and a broken file says
which file and which key are wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.chat import languages, parsing
from bot.chat.commands import parse_message
from bot.chat.i18n import Texts
from bot.chat.languages import LanguageDataError
from bot.chat.parsing import Grammar, Intent, resolve_country
from recommender.platforms import Platform, PlatformRegistry

REGISTRY = PlatformRegistry([Platform("netflix", "n", "n.csv", "Netflix", ("nflx",))])

# Portuguese, in part: its commands, words and ways of asking, and a few strings; the strings
# it leaves out are said in English.
PORTUGUESE = r"""
[language]
names = ["pt", "por", "português", "portuguese"]
everyday = ["quero", "hoje", "você", "não", "obrigado"]

[format]
thousands = "."
decimal = ","
months = ["jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"]

[commands.recommend]
names = ["recomendar", "indicar"]
menu = "5 títulos parecidos com o que você disser"

[commands.where]
names = ["onde"]
menu = "todas as plataformas que têm um título"

[commands.count]
names = ["quantidade"]
menu = "filmes e séries de uma plataforma"

[commands.country]
names = ["pais"]
menu = "títulos de um país em um ano"

[commands.lang]
names = ["idioma"]
menu = "mudar o idioma"

[commands.help]
names = ["ajuda"]
menu = "o que o StreamBot sabe fazer"

[words]
greetings = ["oi", "olá", "bom dia", "boa tarde", "boa noite"]
thanks = ["obrigado", "obrigada", "valeu"]
please = ["por favor"]

[words.types]
movie = ["filme", "filmes"]
"tv show" = ["série", "séries", "programa", "programas"]

[words.fillers]
any = ["de", "do", "da", "em", "no", "na", "para", "com", "e", "ano"]
country = ["de", "do", "da", "dos", "em", "feitos", "feitas", "país", "ano"]

[phrasing]
noun = '''filmes?|s[eé]ries?|programas?|t[ií]tulos?|coisas?'''
quantity = '''algum|alguma|alguns|algumas|algo|um|uma|outr[oa]s?|mais|bons?|boas?'''
polite = '''(?:(?:oi|ol[aá])[,!]?\s+)?(?:por\s+favor,?\s+)?(?:pode\s+)?(?:(?:me|nos)\s+)?'''
recommend = '''recomend(?:a|e|ar)|indic(?:a|ar)|indique|sugere|sugira'''
like = ['''como''', '''parecid[oa]s?\s+com''', '''no\s+estilo\s+de''']
after = '''depois\s+de|para\s+f[aã]s\s+de'''
where = '''onde\s+(?:(?:posso|podemos)\s+)?(?:ver|assistir)'''
where_word = '''onde'''
on = '''em|no|na'''
help = '''o que voce (?:faz|sabe fazer)'''

[genres.words]
horror = ["assustador", "assustadores"]

[countries.names]
germany = "Alemanha"
spain = "Espanha"
"united states" = "Estados Unidos"
japan = "Japão"

[countries.aliases]
"united states" = ["eua"]

[strings]
thanks = "De nada! 🍿 Bom filme."
lang_set = "Pronto! Vou falar português neste chat. 🇧🇷"
movies_one = "{n} filme"
movies_other = "{n} filmes"
list_and = " e "
from_country = "de"
"""


def _folder(tmp_path: Path, portuguese: str = PORTUGUESE) -> Path:
    """English, Spanish and the common file as shipped, and ``portuguese``."""
    for path in languages.FOLDER.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "pt.toml").write_text(portuguese, encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    """The languages of a folder with Portuguese beside English and Spanish."""
    return languages.load(_folder(tmp_path_factory.mktemp("languages")))


@pytest.fixture(scope="module")
def grammar(three):
    return Grammar(three)


@pytest.fixture(scope="module")
def texts(three):
    return Texts(three)


def test_the_folder_has_english_and_spanish():
    assert languages.BUILTIN.codes == ("en", "es")
    assert languages.BUILTIN.default == "en"


def test_a_third_language_is_found_in_its_folder(three):
    assert three.codes == ("en", "es", "pt")
    assert three.command_names("count") == {
        "en": ("count",),
        "es": ("cantidad",),
        "pt": ("quantidade",),
    }
    assert three.all_command_names("recommend") == (
        "recommend",
        "recomendar",
        "indicar",
        "get_recommendation",
    )
    assert three.menu_text("pt", "where") == "todas as plataformas que têm um título"
    assert three.menu_text("pt", "stats") is None
    assert [entry.name for entry in three.menu("pt")][:2] == ["recomendar", "onde"]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("/quantidade netflix", Intent(parsing.COUNT, {"platform": "netflix"})),
        ("/onde toy story", Intent(parsing.WHERE, {"title": "toy story"})),
        ("/indicar toy story", Intent(parsing.RECOMMEND, {"title": "toy story"})),
        ("/ajuda", Intent(parsing.HELP)),
        ("/idioma português", Intent(parsing.LANG, {"language": "pt"})),
    ],
)
def test_portuguese_command_names_parse_to_their_intent(grammar, text, intent):
    assert parse_message(text, REGISTRY, grammar=grammar) == intent
    assert parse_message(text, REGISTRY).name in (parsing.UNKNOWN_COMMAND, intent.name)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("me recomenda algo como toy story", Intent(parsing.RECOMMEND, {"title": "toy story"})),
        (
            "Oi, pode me indicar filmes parecidos com Toy Story na Netflix?",
            Intent(
                parsing.RECOMMEND,
                {"title": "Toy Story", "platform": "netflix", "item_type": "movie"},
            ),
        ),
        ("recomende algo", Intent(parsing.RECOMMEND, problem=parsing.Problem("missing_title"))),
        ("onde posso ver toy story?", Intent(parsing.WHERE, {"title": "toy story"})),
        ("olá!", Intent(parsing.GREETING)),
        ("valeu, por favor", Intent(parsing.THANKS)),
        ("o que você sabe fazer?", Intent(parsing.HELP)),
    ],
)
def test_portuguese_phrasing_parses_to_its_intent(grammar, text, intent):
    assert parse_message(text, REGISTRY, grammar=grammar) == intent


def test_a_third_language_brings_its_own_words_for_lists(grammar):
    intent = parse_message("filmes assustadores", REGISTRY, grammar=grammar)
    assert intent == Intent(
        parsing.DISCOVER,
        {"genres": ("horror",), "type": "movie", "text": "filmes assustadores"},
    )
    assert parse_message("filmes assustadores", REGISTRY).name == parsing.TITLE


def test_the_reply_language_is_one_of_those_loaded(grammar):
    portuguese = "quero ver filmes hoje, obrigado"
    assert parsing.detect_language(portuguese, grammar) == "pt"
    assert parsing.detect_language(portuguese) in (None, "en", "es")
    assert parsing.detect_language("pelis de terror", grammar) == "es"


def test_the_default_grammar_has_no_portuguese():
    intent = parse_message("me recomenda algo como toy story", REGISTRY)
    assert intent == Intent(parsing.TITLE, {"title": "me recomenda algo como toy story"})


def test_english_and_spanish_still_parse_beside_portuguese(grammar):
    for text in ("recommend something like heat", "recomiéndame algo como heat", "/cantidad nflx"):
        assert parse_message(text, REGISTRY, grammar=grammar) == parse_message(text, REGISTRY)


def test_portuguese_country_names_resolve(grammar):
    intent = parse_message("/pais filme da Alemanha em 2020", REGISTRY, grammar=grammar)
    assert intent.args == {"item_type": "movie", "country": "germany", "year": 2020}
    known = {"germany": "Germany", "japan": "Japan", "united states": "United States"}
    assert resolve_country("Japão", known, grammar) == "japan"
    assert resolve_country("EUA", known, grammar) == "united states"
    assert resolve_country("Japão", known) is None


def test_portuguese_strings_and_formats(texts):
    assert texts.languages == ("en", "es", "pt")
    assert texts.t("pt", "thanks") == "De nada! 🍿 Bom filme."
    assert texts.plural("pt", "movies", 1234) == "1.234 filmes"
    assert texts.date_text("pt", "2021-02-01") == "1 fev 2021"
    assert texts.join_names("pt", ["Netflix", "Hulu", "Disney+"]) == "Netflix, Hulu e Disney+"
    assert texts.from_country("pt", "Japan") == "de Japão"
    assert texts.language_for("pt-BR") == "pt"
    # A string Portuguese leaves out is the default language's.
    assert texts.t("pt", "apology") == texts.t("en", "apology")


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    assert old in PORTUGUESE
    return _folder(tmp_path, PORTUGUESE.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("like = ['''como''',", "like = ['''(?:como''',", "phrasing.like"),
        ("where_word = '''onde'''", "where_word = '''(onde)'''", "phrasing.where_word"),
        ("on = '''em|no|na'''", "om = '''em|no|na'''", "phrasing.om"),
        ("help = '''o que", "help = '''{helpful}|o que", "phrasing.help"),
        ('months = ["jan"', 'month = ["jan"', "format.months"),
        ('thousands = "."\n', "", "format.thousands"),
        ('"{n} filme"', '"{count} filme"', "strings.movies_one"),
        ('"{n} filmes"', '"{n filmes"', "strings.movies_other"),
        ('thanks = "De', 'thank = "De', "strings.thank"),
        ("[commands.help]", "[commands.helpme]", "commands.helpme"),
        ('names = ["onde"]', 'names = ["Onde"]', "commands.where.names"),
        ('names = ["quantidade"]', 'names = ["onde"]', "commands.count.names"),
        ('movie = ["filme"', 'film = ["filme"', "words.types"),
        ('"tv show" = ["série"', '"tv shows" = ["série"', "words.types"),
        ("any = [", "every = [", "words.fillers.every"),
        ('germany = "Alemanha"', "germany = 7", "countries.names.germany"),
        ("[words]\n", "[word]\n", "word"),
        ("[genres.words]\nhorror", "[genres.words]\nhorrors", "genres.words.horrors"),
        ("[words.types]", '[words.sort]\nbest = ["melhores"]\n[words.types]', "words.sort.best"),
        ("[words.types]", '[words.numbers]\n2 = ["one"]\n[words.types]', "words.numbers"),
    ],
)
def test_a_broken_file_names_itself_and_the_key(tmp_path, old, new, key):
    folder = _broken(tmp_path, old, new)
    with pytest.raises(LanguageDataError) as raised:
        three = languages.load(folder)
        Grammar(three)
        Texts(three)
    assert raised.value.source == folder / "pt.toml"
    assert raised.value.key == key
    assert f"pt.toml: {key}: " in str(raised.value)


def test_a_file_that_is_not_toml_is_named(tmp_path):
    folder = _broken(tmp_path, "[language]", "[language")
    with pytest.raises(LanguageDataError, match=r"pt\.toml: not valid TOML"):
        languages.load(folder)
