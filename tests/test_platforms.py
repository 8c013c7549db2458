"""The platform registry: read from platforms.toml (etl/platforms.py) and resolved by the names
people type (recommender/platforms.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.errors import EtlError
from etl.platforms import REGISTRY_FILE, free_letter, load_registry, parse_registry, with_platform
from recommender.platforms import Platform, PlatformRegistry

ENTRY = """
[[platform]]
name = "{name}"
letter = "{letter}"
file = "{file}"
display_name = "Netflix"
"""


@pytest.fixture(scope="module")
def registry(fixture_raw: Path) -> PlatformRegistry:
    return load_registry(fixture_raw)


def test_fixture_registry_matches_the_real_one(fixture_raw: Path) -> None:
    real = Path(__file__).parent.parent / "data" / "raw" / "platforms.toml"
    assert (fixture_raw / "platforms.toml").read_bytes() == real.read_bytes()


def test_load_registry(registry: PlatformRegistry) -> None:
    assert registry.names == ["amazon", "disney", "hulu", "netflix"]
    assert [p.letter for p in registry] == ["a", "d", "h", "n"]
    assert registry.get("amazon").file == "amazon_prime_titles.csv"
    assert registry.get("disney").display_name == "Disney+"
    assert registry.get("hulu").aliases == ()
    assert len(registry) == 4


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("amazon", "amazon"),
        ("prime", "amazon"),
        ("Amazon Prime", "amazon"),
        ("PRIME VIDEO", "amazon"),
        ("  prime video ", "amazon"),
        ("disney", "disney"),
        ("disney+", "disney"),
        ("Disney Plus", "disney"),
        ("Disney+", "disney"),
        ("hulu", "hulu"),
        ("Netflix", "netflix"),
        ("nflx", "netflix"),
        ("n", "netflix"),  # the id letter
        ("hbo", None),
        ("", None),
        ("netflix prime", None),
    ],
)
def test_resolve_aliases(registry: PlatformRegistry, text: str, name: str | None) -> None:
    platform = registry.resolve(text)
    assert (None if platform is None else platform.name) == name


def test_display_names_follow_registry_order(registry: PlatformRegistry) -> None:
    assert registry.display(["netflix", "amazon", "unknown"]) == ["Prime Video", "Netflix"]


def test_get_unknown_name_raises(registry: PlatformRegistry) -> None:
    with pytest.raises(KeyError):
        registry.get("prime")  # an alias, not a registry name


def test_records_round_trip(registry: PlatformRegistry) -> None:
    again = PlatformRegistry.from_records(registry.to_records())
    assert again.platforms == registry.platforms
    assert again.resolve("disney plus").name == "disney"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (None, "the platform registry is missing"),
        ("[[platform]\nname =", "the platform registry is not valid TOML"),
        ("# nothing here\n", "the platform registry lists no [[platform]] entries"),
        ('[[platform]]\nname = "netflix"\nletter = "n"\n', "entry 1 has no file, display_name"),
        (
            ENTRY.format(name="netflix", letter="NF", file="n.csv"),
            "entry 1: letter must be one lowercase letter",
        ),
        (
            ENTRY.format(name="netflix", letter="n", file="n.csv")
            + ENTRY.format(name="Netflix", letter="x", file="x.csv"),
            "two entries share the name netflix",
        ),
        (
            ENTRY.format(name="netflix", letter="n", file="n.csv")
            + ENTRY.format(name="hulu", letter="n", file="h.csv"),
            "two entries share the letter n",
        ),
    ],
    ids=["missing", "bad-toml", "empty", "missing-fields", "bad-letter", "dup-name", "dup-letter"],
)
def test_bad_registry_raises_etl_error(tmp_path: Path, toml: str | None, message: str) -> None:
    if toml is not None:
        (tmp_path / "platforms.toml").write_text(toml)
    with pytest.raises(EtlError) as caught:
        load_registry(tmp_path)
    assert caught.value.path == tmp_path / "platforms.toml"
    assert f"platforms.toml: {message}" in str(caught.value)


# -- adding a platform (uploads) ------------------------------------------------------------------
def test_with_platform_appends_an_entry_load_registry_accepts(
    fixture_raw: Path, tmp_path: Path
) -> None:
    before = (fixture_raw / REGISTRY_FILE).read_text()
    path = tmp_path / REGISTRY_FILE
    display_name = 'Max "HBO" \\ Plus'
    path.write_text(
        with_platform(before, Platform("max", "m", "max_titles.csv", display_name), path)
    )
    text = path.read_text()
    assert text.startswith(before)  # the comment header and the entries stay as they are
    assert text[len(before) :].startswith('\n[[platform]]\nname = "max"\nletter = "m"\n')
    registry = load_registry(tmp_path)
    assert registry.names == ["amazon", "disney", "hulu", "netflix", "max"]
    added = registry.get("max")
    assert (added.letter, added.file, added.display_name, added.aliases) == (
        "m",
        "max_titles.csv",
        display_name,
        (),
    )
    assert registry.resolve(display_name) == added


def test_with_platform_keeps_crlf_line_ends(tmp_path: Path) -> None:
    path = tmp_path / REGISTRY_FILE
    before = ENTRY.format(name="netflix", letter="n", file="n.csv").replace("\n", "\r\n")
    path.write_bytes(with_platform(before, Platform("max", "m", "m.csv", "Max"), path).encode())
    assert b"\n" not in path.read_bytes().replace(b"\r\n", b"")
    assert load_registry(tmp_path).names == ["netflix", "max"]


def test_with_platform_refuses_an_invalid_result(fixture_raw: Path, tmp_path: Path) -> None:
    before = (fixture_raw / REGISTRY_FILE).read_text()
    with pytest.raises(EtlError, match="two entries share the letter n"):
        with_platform(before, Platform("nowtv", "n", "nowtv.csv", "NOW"), tmp_path / REGISTRY_FILE)


@pytest.mark.parametrize(
    ("name", "letter"), [("max", "m"), ("nowtv", "b"), ("apple", "b"), ("britbox", "b")]
)
def test_free_letter(registry: PlatformRegistry, name: str, letter: str) -> None:
    assert free_letter(registry, name) == letter


def test_free_letter_when_all_are_taken() -> None:
    full = PlatformRegistry(
        Platform(c, c, f"{c}.csv", c.upper()) for c in "abcdefghijklmnopqrstuvwxyz"
    )
    assert free_letter(full, "max") is None


def test_tv_year_must_say_which_season(tmp_path: Path) -> None:
    text = '[[platform]]\nname = "max"\nletter = "m"\nfile = "m.csv"\ndisplay_name = "Max"\n'
    assert parse_registry(text, tmp_path / "p.toml").resolve("max").tv_year == "latest"
    registry = parse_registry(text + 'tv_year = "first"\n', tmp_path / "p.toml")
    assert registry.resolve("max").tv_year == "first"
    assert PlatformRegistry.from_records(registry.to_records()).resolve("max").tv_year == "first"
    with pytest.raises(EtlError, match=r"p\.toml.*entry 1: tv_year must be latest or first"):
        parse_registry(text + 'tv_year = "newest"\n', tmp_path / "p.toml")
