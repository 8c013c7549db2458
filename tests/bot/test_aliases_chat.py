"""Other names of works, end to end through the fake Bot API over the real catalogue: a work
asked for by its English or Spanish name is answered, with the name typed beside its title."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from etl.build import BuildResult
    from recommender.engine import Engine


@pytest.fixture(scope="module")
def engine(real_build: BuildResult) -> Engine:
    """The bots of this module serve the real catalogue, where the works of the issue are."""
    return real_build.engine()


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("money heist", "en", "<b>La casa de papel</b> (2021, latest season) — “Money Heist”"),
        ("money heist", "es", "<b>La casa de papel</b> (2021, última temporada) — “Money Heist”"),
        (
            "el laberinto del fauno",
            "es",
            "<b>Pan's Labyrinth</b> (2006) — “El laberinto del fauno”",
        ),
        (
            "el laberinto del fauno",
            "en",
            "<b>Pan's Labyrinth</b> (2006) — “El laberinto del fauno”",
        ),
        ("buscando a nemo", "es", "<b>Finding Nemo</b> (2003) — “Buscando a Nemo”"),
        ("buscando a nemmo", "es", "<b>Finding Nemo</b> (2003) — “Buscando a Nemo”"),
        ("buscando a nemo", "en", "<b>Finding Nemo</b> (2003) — “Buscando a Nemo”"),
    ],
)
async def test_a_work_is_found_by_its_other_name(bot, text: str, language: str, expected: str):
    reply = await bot.chat(language_code=language).reply(text)
    assert expected in reply
    assert "Did you mean" not in reply and "¿Quisiste decir" not in reply


async def test_the_recommendations_header_names_it_too(bot):
    reply = await bot.chat(language_code="en").reply("movies like buscando a nemo")
    assert "If you like <b>Finding Nemo</b> (2003) (“Buscando a Nemo”), try:" in reply
    reply = await bot.chat(language_code="es").reply("películas como buscando a nemo")
    assert "Si te gusta <b>Finding Nemo</b> (2003) (“Buscando a Nemo”), prueba con:" in reply


@pytest.mark.parametrize(
    ("text", "language", "wishes"),
    [
        (
            "something like money heist and narcos",
            "en",
            "Something to watch</b>: like La casa de papel (“Money Heist”) and Narcos",
        ),
        (
            "algo como buscando a nemo pero más nuevo",
            "es",
            "Algo para ver</b>: desde 2004 · como Finding Nemo (“Buscando a Nemo”)",
        ),
    ],
)
async def test_a_list_like_a_work_names_it_as_typed(bot, text: str, language: str, wishes: str):
    reply = await bot.chat(language_code=language).reply(text)
    assert wishes in reply.splitlines()[0]
