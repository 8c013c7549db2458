"""The ``streambot`` command (bot/cli.py): its JSON contract, stdin mode and exit codes, run
in-process against the fixtures, plus one run of the installed console script."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from etl.transform import RAW_COLUMNS
from etl.versions import list_versions

if TYPE_CHECKING:
    from tests.conftest import BuiltData

MATCH_KEYS = ["id", "work_id", "title", "year", "type", "platforms", "confidence"]
RESULT_KEYS = {
    "id",
    "work_id",
    "title",
    "year",
    "type",
    "platforms",
    "similarity",
    "reason",
    "versions",
}
PLATFORMS = "choose one of: amazon, disney, hulu, netflix"
CORRUPT_NETFLIX = (
    ",".join(RAW_COLUMNS) + "\ns1,Movie,Heat,,,,,1995,R,170 min,Drama,x\n"
    "s2,Movie,Heat 2,,,,,1995,R,9 min,Drama,x,one field too many\n"
)


RunCli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(
    built: BuiltData, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> RunCli:
    """Run ``main(argv)`` on the built fixtures (via STREAMBOT_DATA_DIR) with ``stdin`` text;
    returns the exit code, stdout and stderr."""
    monkeypatch.setenv("STREAMBOT_DATA_DIR", str(built.data_dir))

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


# -- match ---------------------------------------------------------------------------------------
def test_match_json(cli: RunCli) -> None:
    code, out, err = cli("match", "toy stroy", "--json")
    assert (code, err) == (EXIT_OK, "")
    [answer] = json_lines(out)
    assert list(answer) == ["query", "matches"]
    assert answer["query"] == "toy stroy"
    assert all(list(match) == MATCH_KEYS for match in answer["matches"])
    best = answer["matches"][0]
    assert {k: best[k] for k in MATCH_KEYS[:-1]} == {
        "id": "ds1",
        "work_id": best["work_id"],
        "title": "Toy Story",
        "year": 1995,
        "type": "movie",
        "platforms": ["disney", "hulu"],
    }
    assert best["work_id"].startswith("w")
    confidences = [match["confidence"] for match in answer["matches"]]
    assert confidences == sorted(confidences, reverse=True)
    assert answer["matches"][1]["title"] == "Toy Story 2"


def test_match_reads_one_query_per_line_of_stdin(cli: RunCli) -> None:
    code, out, _ = cli("match", "-", "--limit", "1", stdin="toy stroy\n\n  amelie \nNS1\nqxzj\n")
    assert code == EXIT_OK
    answers = json_lines(out)
    assert [answer["query"] for answer in answers] == ["toy stroy", "", "amelie", "NS1", "qxzj"]
    assert [[m["title"] for m in answer["matches"]] for answer in answers] == [
        ["Toy Story"],
        [],  # a blank line gets an empty answer, so output lines stay paired with input lines
        ["Amélie"],
        ["Dick Johnson Is Dead"],
        [],
    ]


def test_match_text(cli: RunCli) -> None:
    code, out, _ = cli("match", "ns1")
    assert code == EXIT_OK
    assert out == ("Dick Johnson Is Dead (2020, movie) on netflix  [ns1, confidence 1.00]\n")
    assert cli("match", "qxzj")[1] == "no title matches 'qxzj'\n"


# -- recommend -----------------------------------------------------------------------------------
def test_recommend_json(cli: RunCli) -> None:
    code, out, err = cli("recommend", "toy story 2", "--json", "--k", "3")
    assert (code, err) == (EXIT_OK, "")
    [answer] = json_lines(out)
    assert list(answer) == ["query", "match", "results"]
    assert list(answer["match"]) == MATCH_KEYS
    assert answer["match"]["title"] == "Toy Story 2"
    assert len(answer["results"]) == 3
    for result in answer["results"]:
        assert RESULT_KEYS <= set(result) <= RESULT_KEYS | {"score"}
        assert result["reason"]
    first = answer["results"][0]
    assert (first["title"], first["platforms"], first["score"]) == (
        "Toy Story",
        ["disney", "hulu"],
        8.3,
    )
    assert first["reason"].startswith("director: John Lasseter; cast: Tom Hanks, Tim Allen")


def test_recommend_groups_versions_and_caps_the_franchise(
    franchise_built: BuiltData, cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREAMBOT_DATA_DIR", str(franchise_built.data_dir))
    code, out, _ = cli("recommend", "toy story", "--json", "--k", "7")
    assert code == EXIT_OK
    [answer] = json_lines(out)
    titles = [result["title"] for result in answer["results"]]
    assert sum(title.startswith("Toy Story") for title in titles[:5]) == 3
    # Toy Story's other two are shorts, below every feature.
    assert not {"Toy Story of Terror!", "Toy Story Toons: Small Fry"} & set(titles)
    assert "Shrek 2 (en Español)" not in titles
    (shrek,) = [result for result in answer["results"] if result["title"] == "Shrek 2"]
    assert shrek["versions"] == ["en Español"]
    text = cli("recommend", "toy story")[1]
    assert "Shrek 2 (2004, movie) (also: en Español) on hulu — " in text


def test_recommend_from_stdin_with_filters(cli: RunCli) -> None:
    code, out, _ = cli(
        "recommend", "-", "--platform", "prime", "--type", "tv", "--k", "5", stdin="toy story\n"
    )
    assert code == EXIT_OK
    [answer] = json_lines(out)
    assert [(r["title"], r["platforms"], r["type"]) for r in answer["results"]] == [
        ("Jack Ryan", ["amazon"], "tv show"),
        ("The Office", ["amazon"], "tv show"),
    ]


def test_recommend_without_a_match(cli: RunCli) -> None:
    code, out, _ = cli("recommend", "qxzj", "--json")
    assert code == EXIT_OK
    assert json_lines(out) == [{"query": "qxzj", "match": None, "results": []}]
    assert cli("recommend", "qxzj")[1] == "no title matches 'qxzj'\n"


def test_recommend_text(cli: RunCli) -> None:
    code, out, _ = cli("recommend", "toy story 2", "--k", "1")
    assert code == EXIT_OK
    assert out.splitlines() == [
        "like Toy Story 2 (1999, movie) on disney  [ds2, confidence 1.00]:",
        "1. Toy Story (1995, movie, IMDb 8.3) on disney, hulu — director: John Lasseter; "
        "cast: Tom Hanks, Tim Allen; genres: action, adventure, animation; "
        "themes: cowboys, toys",
    ]


# -- query ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["longest"],
            {
                "title": "Heat",
                "platform": "amazon",
                "year": 1995,
                "duration_int": 170,
                "duration_type": "min",
            },
        ),
        (
            ["longest", "--platform", "netflix"],
            {
                "title": "iBoy",
                "platform": "netflix",
                "year": 2017,
                "duration_int": 149,
                "duration_type": "min",
            },
        ),
        (
            ["longest", "--duration-type", "season", "--year", "2005"],
            {
                "title": "The Office",
                "platform": "netflix",
                "year": 2005,
                "duration_int": 9,
                "duration_type": "season",
            },
        ),
        (["longest", "--year", "1900"], None),
        (
            ["score-count", "--platform", "prime", "--score", "6.5", "--year", "2014"],
            {"platform": "amazon", "year": 2014, "score": 6.5, "count": 1, "scored": 1},
        ),
        (
            ["count", "--platform", "Disney Plus"],
            {"platform": "disney", "movies": 4, "tv_shows": 2},
        ),
        (
            ["actor", "--platform", "amazon", "--year", "2014"],
            {"platform": "amazon", "year": 2014, "actor": "Taylor Kitsch", "appearances": 2},
        ),
        (
            ["actor", "--platform", "hulu", "--year", "1995"],
            {"platform": "hulu", "year": 1995, "actor": None, "appearances": 0},
        ),
        (
            ["country", "--type", "movie", "--country", "United States", "--year", "2020"],
            {"type": "movie", "country": "united states", "year": 2020, "count": 2},
        ),
        (["rating", "--rating", "G"], {"rating": "g", "count": 9}),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, list) else None,
)
def test_query_json(cli: RunCli, argv: list[str], expected: dict | None) -> None:
    code, out, err = cli("query", *argv, "--json")
    assert (code, err) == (EXIT_OK, "")
    assert json_lines(out) == [expected]


def test_query_text(cli: RunCli) -> None:
    assert cli("query", "count", "--platform", "hulu")[1] == (
        "platform: hulu, movies: 4, tv_shows: 1\n"
    )
    assert cli("query", "longest", "--year", "1900")[1] == "nothing matches\n"


def test_summary(cli: RunCli, built: BuiltData) -> None:
    code, out, _ = cli("summary")
    assert code == EXIT_OK
    assert out.splitlines() == [
        f"catalogue {built.report.version}: 28 titles, 27 works",
        "  Prime Video      4 movies      2 TV shows",
        "  Disney+          4 movies      2 TV shows",
        "  Hulu             4 movies      1 TV shows",
        "  Netflix          6 movies      5 TV shows",
    ]


# -- usage errors: exit 2, one line on stderr, no traceback --------------------------------------
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["query", "count", "--platform", "hbo"], f"unknown platform 'hbo'; {PLATFORMS}"),
        (["recommend", "toy story", "--platform", "max"], f"unknown platform 'max'; {PLATFORMS}"),
        (["query", "actor", "--platform", "netflix", "--year", "abc"], "4-digit number like 2019"),
        (["query", "actor", "--platform", "netflix", "--year", "²⁰¹⁹"], "4-digit number"),
        (["query", "longest", "--year", "95"], "4-digit number like 2019"),
        (
            ["query", "score-count", "--platform", "netflix", "--score", "x", "--year", "2019"],
            "score must be a number from 0 to 10",
        ),
        (["query", "count", "--platform", "netflix", "--nope"], "unrecognized arguments: --nope"),
        (["query", "count"], "the following arguments are required: --platform"),
        (["query", "longest", "--duration-type", "hours"], "(choose from 'min', 'season')"),
        (
            ["query", "country", "--type", "film", "--country", "x", "--year", "2019"],
            "(choose from 'movie', 'tv')",
        ),
        (["frobnicate"], "(choose from 'etl', 'summary', 'match', 'recommend', 'query'"),
        ([], "the following arguments are required: command"),
        (["match", "toy", "--limit", "0"], "--k and --limit must be at least 1"),
        (["recommend", "toy", "--k", "many"], "argument --k: invalid int value: 'many'"),
    ],
    ids=[
        "platform",
        "recommend-platform",
        "year",
        "superscript-year",
        "short-year",
        "score",
        "unknown-flag",
        "missing-flag",
        "duration-type",
        "type",
        "command",
        "no-command",
        "limit",
        "k",
    ],
)
def test_usage_errors_exit_2_with_one_line(cli: RunCli, argv: list[str], message: str) -> None:
    code, out, err = cli(*argv)
    assert code == EXIT_USAGE
    assert out == ""
    assert err.startswith("error: ")
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


# -- building from the command line --------------------------------------------------------------
def test_etl_builds_and_reports(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(data_dir), "etl"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("StreamBot catalogue ")
    assert "total            29        28            1" in out
    assert (data_dir / "processed" / "CURRENT").is_file()

    assert main(["--data-dir", str(data_dir), "etl", "--if-stale"]) == EXIT_OK
    assert capsys.readouterr().err == "catalogue is up to date\n"

    assert main(["--data-dir", str(data_dir), "etl", "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert (report["titles"], report["works"], report["scored"]) == (28, 27, 12)
    assert report["quarantined"][0]["row"] == 6


def test_first_query_builds_the_catalogue(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREAMBOT_DATA_DIR", str(data_dir))
    assert main(["query", "count", "--platform", "netflix", "--json"]) == EXIT_OK
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"platform": "netflix", "movies": 6, "tv_shows": 5}
    assert captured.err == "building the catalogue (inputs or code changed, or never built)…\n"


def test_data_dir_flag_overrides_the_environment(
    built: BuiltData,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STREAMBOT_DATA_DIR", str(tmp_path / "nowhere"))
    argv = ["query", "count", "--platform", "hulu", "--json"]
    assert main(["--data-dir", str(built.data_dir), *argv]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["movies"] == 4
    assert main(argv) == EXIT_FAILED  # the environment's folder has no raw data
    assert "platforms.toml" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["etl"], ["query", "count", "--platform", "netflix"]])
def test_etl_failure_exits_1_naming_the_file(
    data_dir: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    (data_dir / "raw" / "catalogues" / "netflix_titles.csv").write_text(CORRUPT_NETFLIX)
    assert main(["--data-dir", str(data_dir), *command]) == EXIT_FAILED
    captured = capsys.readouterr()
    assert captured.out == ""
    last = captured.err.splitlines()[-1]
    assert last.startswith("etl failed: catalogues/netflix_titles.csv, row 3: malformed CSV")
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    ("changed", "content", "named"),
    [
        ("catalogues/netflix_titles.csv", CORRUPT_NETFLIX, "catalogues/netflix_titles.csv, row 3"),
        ("catalogues/hulu_titles.csv", None, "catalogues/hulu_titles.csv: file not found"),
        ("platforms.toml", "[[platform]\n", "raw/platforms.toml: the platform registry is not"),
        ("platforms.toml", None, "raw/platforms.toml: the platform registry is missing"),
    ],
    ids=["corrupt-catalogue", "missing-catalogue", "corrupt-registry", "missing-registry"],
)
def test_failed_rebuild_keeps_serving_the_previous_catalogue(
    built_copy: BuiltData,
    capsys: pytest.CaptureFixture[str],
    changed: str,
    content: str | None,
    named: str,
) -> None:
    path = built_copy.raw_dir / changed
    if content is None:
        path.unlink()
    else:
        path.write_text(content)
    argv = ["--data-dir", str(built_copy.data_dir), "query", "count", "--platform", "netflix"]
    assert main([*argv, "--json"]) == EXIT_OK
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"platform": "netflix", "movies": 6, "tv_shows": 5}
    assert f"etl failed: {named}" in captured.err
    assert "serving the previous catalogue" in captured.err
    assert main(["--data-dir", str(built_copy.data_dir), "etl"]) == EXIT_FAILED  # explicit


# -- adding a catalogue file (etl --add) ---------------------------------------------------------
HEAT = b"s12,Movie,Heat,Michael Mann,,United States,,1995,R,170 min,Dramas,A heist.\r\n"
HEAT_DIFF = [
    "platform Netflix (netflix): 12 rows, 12 usable, 0 quarantined",
    "  added           1  e.g. Heat",
    "  removed         0",
    "  changed         0",
    "  unchanged      11",
]


@pytest.fixture
def upload(fixture_raw: Path, tmp_path: Path) -> Path:
    """The fixtures' Netflix file with Heat added, as a file to add."""
    path = tmp_path / "netflix_2024.csv"
    path.write_bytes((fixture_raw / "catalogues" / "netflix_titles.csv").read_bytes() + HEAT)
    return path


def add(
    data_dir: Path, upload: Path, *flags: str, stdin: str = "", platform: str = "netflix"
) -> int:
    """``streambot etl --add`` with ``stdin`` text for the question."""
    argv = ["--data-dir", str(data_dir), "etl", "--add", str(upload), "--platform", platform]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdin", io.StringIO(stdin))
        return main([*argv, *flags])


def files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` and its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(("flags", "stdin"), [(["--yes"], ""), ([], "y\n"), ([], " YES \n")])
def test_etl_add_applies_and_builds(
    data_dir: Path,
    upload: Path,
    capsys: pytest.CaptureFixture[str],
    flags: list[str],
    stdin: str,
) -> None:
    previous = (data_dir / "raw" / "catalogues" / "netflix_titles.csv").read_bytes()
    assert add(data_dir, upload, *flags, stdin=stdin) == EXIT_OK
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[:5] == HEAT_DIFF
    assert lines[5].startswith("Apply? [y/N] StreamBot catalogue" if stdin else "StreamBot ")
    assert "netflix          12        12            0" in captured.out
    assert captured.err == ""
    catalogues = data_dir / "raw" / "catalogues"
    assert (catalogues / "netflix_titles.csv").read_bytes() == upload.read_bytes()
    [kept] = (catalogues / "history").iterdir()
    assert kept.read_bytes() == previous
    assert list((data_dir / "state" / "uploads").iterdir()) == []
    argv = ["--data-dir", str(data_dir), "query", "count", "--platform", "netflix", "--json"]
    assert main(argv) == EXIT_OK
    counts = json.loads(capsys.readouterr().out)
    assert counts == {"platform": "netflix", "movies": 7, "tv_shows": 5}


@pytest.mark.parametrize("stdin", ["n\n", "\n", "", "maybe\n"])
def test_etl_add_not_confirmed_changes_nothing(
    data_dir: Path, upload: Path, capsys: pytest.CaptureFixture[str], stdin: str
) -> None:
    before = files(data_dir / "raw")
    assert add(data_dir, upload, stdin=stdin) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[:5] == HEAT_DIFF
    assert lines[5:] == [
        "Apply? [y/N] not applied: netflix_2024.csv was left out and nothing changed"
    ]
    assert files(data_dir / "raw") == before
    assert not (data_dir / "processed").exists()
    assert list((data_dir / "state" / "uploads").iterdir()) == []


def test_etl_add_a_new_platform(
    data_dir: Path, upload: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add(data_dir, upload, "--yes", platform="max") == EXIT_FAILED
    assert capsys.readouterr().err == (
        "upload refused: netflix_2024.csv: max is a new platform: give it a display name\n"
    )
    assert add(data_dir, upload, "--yes", "--display-name", "Max", platform="max") == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("new platform Max (max): 12 rows, 12 usable, 0 quarantined\n")
    assert "max              12        12            0" in out
    assert (data_dir / "raw" / "catalogues" / "max_titles.csv").read_bytes() == upload.read_bytes()


def test_etl_add_changes_nothing_when_the_build_fails(
    built_copy: BuiltData, upload: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (built_copy.raw_dir / "catalogues" / "hulu_titles.csv").write_text(CORRUPT_NETFLIX)
    before = files(built_copy.data_dir)
    assert add(built_copy.data_dir, upload, "--yes") == EXIT_FAILED
    captured = capsys.readouterr()
    assert captured.out.splitlines()[:5] == HEAT_DIFF
    [error] = captured.err.splitlines()
    assert error.startswith("etl failed: catalogues/hulu_titles.csv, row 3: malformed CSV")
    assert error.endswith(
        f"; netflix_2024.csv was not applied; still serving {built_copy.report.version}"
    )
    assert files(built_copy.data_dir) == before  # raw and processed alike


def test_etl_add_refuses_a_shrink_unless_allowed(
    built_copy: BuiltData, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Netflix cut from 11 titles to 3: the bot's validation refuses it here too, and only
    ``--allow-shrink`` publishes it."""
    netflix = built_copy.raw_dir / "catalogues" / "netflix_titles.csv"
    three_rows = tmp_path / "three_rows.csv"
    three_rows.write_bytes(b"\r\n".join(netflix.read_bytes().split(b"\r\n")[:4]) + b"\r\n")
    before = files(built_copy.data_dir)
    assert add(built_copy.data_dir, three_rows, "--yes") == EXIT_FAILED
    [error] = capsys.readouterr().err.splitlines()
    assert error == (
        "etl refused: Netflix: 11 → 3 titles: more than half of the platform would disappear "
        "(if that is meant, add --allow-shrink to streambot etl); three_rows.csv was not "
        f"applied; still serving {built_copy.report.version}"
    )
    assert files(built_copy.data_dir) == before

    assert add(built_copy.data_dir, three_rows, "--yes", "--allow-shrink") == EXIT_OK
    assert netflix.read_bytes() == three_rows.read_bytes()
    capsys.readouterr()
    argv = ["--data-dir", str(built_copy.data_dir), "query", "count", "--platform", "netflix"]
    assert main([*argv, "--json"]) == EXIT_OK
    counts = json.loads(capsys.readouterr().out)
    assert counts["movies"] + counts["tv_shows"] == 3


def test_etl_refuses_a_shrunk_raw_file_unless_allowed(
    built_copy: BuiltData, capsys: pytest.CaptureFixture[str]
) -> None:
    netflix = built_copy.raw_dir / "catalogues" / "netflix_titles.csv"
    netflix.write_bytes(b"\r\n".join(netflix.read_bytes().split(b"\r\n")[:3]) + b"\r\n")
    data = ["--data-dir", str(built_copy.data_dir)]
    assert main([*data, "etl"]) == EXIT_FAILED
    assert capsys.readouterr().err.startswith("etl refused: Netflix: 11 → 2 titles: ")
    assert (built_copy.processed_dir / "CURRENT").read_text().strip() == built_copy.report.version
    assert main([*data, "etl", "--allow-shrink"]) == EXIT_OK
    assert "netflix           2         2" in capsys.readouterr().out


def test_etl_add_refuses_a_file_that_is_not_csv(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    poster = tmp_path / "poster.csv"
    poster.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    before = files(data_dir / "raw")
    assert add(data_dir, poster, "--yes") == EXIT_FAILED
    assert capsys.readouterr() == (
        "",
        "upload refused: poster.csv, row 1: not UTF-8 text (is it a CSV file?)\n",
    )
    assert files(data_dir / "raw") == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["etl", "--add", "x.csv"], "name the catalogue's platform with --platform"),
        (["etl", "--platform", "netflix"], "--platform, --display-name and --yes go with --add"),
        (["etl", "--yes"], "--platform, --display-name and --yes go with --add"),
        (["etl", "--add", "x.csv", "--platform", "netflix", "--json"], "do not go with --add"),
        (["etl", "--add", "missing.csv", "--platform", "netflix"], "cannot read missing.csv"),
    ],
)
def test_etl_add_usage_errors(
    data_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["--data-dir", str(data_dir), *argv]) == EXIT_USAGE
    assert message in capsys.readouterr().err


# -- the installed console script ----------------------------------------------------------------
def test_console_script(built: BuiltData) -> None:
    script = Path(sys.executable).parent / "streambot"
    assert script.is_file(), "pip install -e . installs the streambot script next to python"
    completed = subprocess.run(
        [str(script), "--data-dir", str(built.data_dir), "match", "-"],
        input="toy stroy\nthe office\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (completed.returncode, completed.stderr) == (0, "")
    answers = json_lines(completed.stdout)
    assert [answer["matches"][0]["title"] for answer in answers] == ["Toy Story", "The Office"]


# -- versions and rollback -----------------------------------------------------------------------
def test_versions_lists_the_live_version(cli: RunCli, built: BuiltData) -> None:
    code, out, err = cli("versions")
    assert (code, err) == (EXIT_OK, "")
    header, row = out.splitlines()
    assert header.split() == ["version", "built", "(UTC)", "size", "titles", "works", "quarantined"]
    [version] = list_versions(built.processed_dir)
    assert row.split() == [
        "*",
        built.report.version,
        f"{version.created:%Y-%m-%d}",
        f"{version.created:%H:%M:%S}",
        f"{version.size / 1e6:.1f}",
        "MB",
        "28",
        "27",
        "1",
    ]


def test_versions_json(cli: RunCli, built: BuiltData) -> None:
    code, out, _ = cli("versions", "--json")
    assert code == EXIT_OK
    [version] = json.loads(out)
    assert (version["name"], version["live"], version["titles"]) == (built.report.version, True, 28)
    assert datetime.fromisoformat(version["created"]).utcoffset() == timedelta(0)
    assert version["size"] > 0
    assert version["rows"]["amazon"] == {"in": 7, "out": 6, "quarantined": 1}


def test_versions_of_an_unbuilt_catalogue(data_dir: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["--data-dir", str(data_dir), "versions"]) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("no versions in ")


def test_rollback_makes_the_previous_version_live(
    built_copy: BuiltData, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(built_copy.data_dir)]
    netflix = built_copy.raw_dir / "catalogues" / "netflix_titles.csv"
    netflix.write_bytes(netflix.read_bytes() + b"s12,Movie,Heat,,,,,1995,R,170 min,Drama,x\r\n")
    assert main([*data, "etl"]) == EXIT_OK
    capsys.readouterr()
    first = built_copy.report.version
    assert main([*data, "rollback"]) == EXIT_OK
    captured = capsys.readouterr()
    assert re.fullmatch(
        rf"now live: {first} \(built [-\d]+ [:\d]+ UTC, 28 titles, 27 works\)\n", captured.out
    )
    assert "/rollback" in captured.err
    assert main([*data, "versions"]) == EXIT_OK
    rows = capsys.readouterr().out.splitlines()[1:]
    assert [(row[0], row.split()[-3]) for row in rows] == [(" ", "29"), ("*", "28")]
    # A rollback holds: commands serve it rather than rebuild the newer inputs.
    assert main([*data, "summary"]) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.out.startswith(f"catalogue {first}: 28 titles")
    assert captured.err == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["rollback"], "rollback failed: no earlier version to roll back to ("),
        (["rollback", "--to", "nope"], "rollback failed: no version named 'nope'"),
    ],
)
def test_rollback_errors_exit_1_with_one_line(
    cli: RunCli, built: BuiltData, argv: list[str], message: str
) -> None:
    code, out, err = cli(*argv)
    assert (code, out) == (EXIT_FAILED, "")
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert (built.processed_dir / "CURRENT").read_text().strip() == built.report.version


def test_discover_json_meets_the_contract(cli: RunCli) -> None:
    code, out, err = cli("discover", "funny series on netflix from the 2000s", "--json")
    assert code == 0, err
    (answer,) = json_lines(out)
    assert answer.keys() == {"query", "lang", "understood", "results"}
    assert answer["lang"] == "en"
    understood = answer["understood"]
    assert understood.keys() == {
        "genres", "platforms", "type", "year_min", "year_max", "max_minutes", "countries",
        "audience", "sort", "like", "about", "relaxed",
    }  # fmt: skip
    assert understood["genres"] == ["comedy"]
    assert understood["platforms"] == ["netflix"]
    assert understood["type"] == "tv"
    assert (understood["year_min"], understood["year_max"]) == (2000, 2009)
    (office,) = answer["results"]
    assert office.keys() == {
        "id", "work_id", "title", "year", "type", "platforms", "score", "reason"
    }  # fmt: skip
    assert (office["id"], office["title"], office["type"]) == ("ns2", "The Office", "tv")
    assert "netflix" in office["platforms"]


def test_discover_reads_one_query_per_line_in_either_language(cli: RunCli) -> None:
    code, out, err = cli(
        "discover", "-", stdin="películas de terror\nI loved toy story\n\nsomething funny\n"
    )
    assert code == 0, err
    spanish, liked, blank, funny = json_lines(out)
    assert spanish["lang"] == "es"
    assert spanish["understood"]["genres"] == ["horror"]
    assert spanish["understood"]["type"] == "movie"
    assert [like["title"] for like in liked["understood"]["like"]] == ["Toy Story"]
    assert "Toy Story" not in {result["title"] for result in liked["results"]}
    assert blank["query"] == ""
    assert funny["understood"]["genres"] == ["comedy"]


# -- a chat's feedback ---------------------------------------------------------------------------
def test_feedback_foryou_and_list_share_the_chat_database(
    cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREAMBOT_DB", f"sqlite:///{tmp_path / 'chats.sqlite3'}")
    code, out, _ = cli("foryou", "--chat", "42", "--json")
    assert (code, json.loads(out)) == (EXIT_OK, {"chat": 42, "results": []})
    code, out, _ = cli("feedback", "--chat", "42", "like", "toy story 2", "--json")
    liked = json.loads(out)
    assert (liked["match"]["title"], liked["like"], liked["save"]) == ("Toy Story 2", True, False)
    cli("feedback", "--chat", "42", "save", "family guy")
    cli("feedback", "--chat", "42", "dislike", "ernest saves christmas")
    code, out, _ = cli("foryou", "--chat", "42", "--k", "3", "--json")
    answer = json.loads(out)
    assert list(answer) == ["chat", "results"] and 0 < len(answer["results"]) <= 3
    for result in answer["results"]:
        assert RESULT_KEYS <= set(result) <= RESULT_KEYS | {"score"}
        assert result["title"] not in ("Toy Story 2", "Family Guy", "Ernest Saves Christmas")
        assert result["reason"].startswith("because you liked ")
    code, out, _ = cli("list", "--chat", "42", "--json")
    assert [r["title"] for r in json.loads(out)["results"]] == ["Family Guy"]
    cli("feedback", "--chat", "42", "clear", "family guy")
    assert json.loads(cli("list", "--chat", "42", "--json")[1])["results"] == []
    # Another chat has its own.
    assert json.loads(cli("list", "--chat", "43", "--json")[1])["results"] == []


def test_feedback_on_a_title_not_surely_named_is_a_usage_error(cli: RunCli) -> None:
    code, out, err = cli("feedback", "--chat", "42", "like", "zzqqxx")
    assert (code, out) == (EXIT_USAGE, "")
    assert err == "error: streambot feedback: no title is surely 'zzqqxx'; try `match`\n"
