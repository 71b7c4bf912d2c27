"""report.html: one self-contained page per result folder. Parsed here: nothing it references
lies outside the file, it carries the caveat, the provenance of every non-default value and the
figures, and it holds no absolute path."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


class _Refs(HTMLParser):
    """Every attribute that makes a browser fetch or link something, and every tag."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.imgs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "img":
            self.imgs += 1
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action", "background"):
                self.refs.append((tag, name, value or ""))


def _check_self_contained(path: Path) -> _Refs:
    text = path.read_text(encoding="utf-8")
    parser = _Refs()
    parser.feed(text)
    for tag, name, value in parser.refs:
        assert value.startswith("data:") or value.startswith("#"), (tag, name, value[:80])
    assert not {"script", "link", "iframe", "object", "embed"} & set(parser.tags)
    assert not re.search(r"url\((?!['\"]?data:)", text)  # no CSS fetches
    assert "@import" not in text
    for root in {str(REPO), str(Path.cwd().resolve()), str(path.parent.resolve())}:
        assert not re.search(r"(?<!\.\.)" + re.escape(root), text), root
    return parser


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from click.testing import CliRunner

    from escsim.cli import main

    out = tmp_path_factory.mktemp("rep") / "variant"
    res = CliRunner().invoke(main, ["run", "baseline-2024-11", "--runs", "8", "--jobs", "1",
                                    "--set", "us_policy.preset=punitive", "--set",
                                    "scenario.horizon_days=60", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def test_run_writes_a_self_contained_report(run_folder: Path) -> None:
    path = run_folder / "report.html"
    assert path.is_file()
    parser = _check_self_contained(path)
    assert parser.imgs == len(list((run_folder / "plots").glob("*.png"))) > 0
    text = path.read_text(encoding="utf-8")
    assert "Not a forecast" in text and "not forecasts" in text
    # the provenance of the non-default values: the overrides and the scenario's own values
    assert "us_policy.preset" in text and "scenario.horizon_days" in text
    assert "fact S-STRIKES-2024-11-11" in text  # a cited fact, in words
    assert "scenarios/defaults.toml" in text
    assert "numpy version" in text and "escsim run baseline-2024-11" in text


def test_report_command_on_a_comparison_and_a_backtest(cli, tmp_path: Path) -> None:
    both = tmp_path / "both"
    bt = tmp_path / "bt"
    for args in (("run", "surge-2023", "us-punitive", "--out", both, "--no-report"),
                 ("backtest", "--out", bt, "--no-report")):
        res = cli(*args, "--runs", 10, "--jobs", 1)
        assert res.exit_code == 0, res.output
    for folder in (both, bt):
        assert not (folder / "report.html").exists()
        res = cli("report", folder)
        assert res.exit_code == 0, res.output
        parser = _check_self_contained(folder / "report.html")
        assert parser.imgs > 0
    text = (both / "report.html").read_text(encoding="utf-8")
    assert "comparison.csv" in text and "start_date" in text
