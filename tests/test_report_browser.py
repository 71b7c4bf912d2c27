"""report.html in a real browser: headless Chromium opens each kind of report, takes a
screenshot, and the rendered page holds the answer; the Quick start's comparison of nine
scenarios shows every one of them and prints on fewer than 10 pages.

The test skips only when no Chromium is installed on the machine, and says so loudly (CI
installs it: ``.ci/run``)."""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _browser() -> str:
    found = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if found is None:
        message = ("NO CHROMIUM ON THIS MACHINE: the browser test of report.html did NOT run "
                   "(apt-get install chromium; CI installs it)")
        warnings.warn(message, stacklevel=2)
        pytest.skip(message)
    return found


def _headless(browser: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                           "--disable-dev-shm-usage", *args], capture_output=True, text=True,
                          timeout=120, check=False)


class _Text(HTMLParser):
    """The rendered DOM's visible text, and the answer paragraph's."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.answer: list[str] = []
        self._in_answer = 0
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        if tag == "p" and ("class", "answer") in attrs:
            self._in_answer += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1
        if tag == "p" and self._in_answer:
            self._in_answer -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)
            if self._in_answer:
                self.answer.append(data)


def _render(folder: Path, tmp_path: Path) -> tuple[str, str]:
    """The page as Chromium renders it (visible text, answer), after checking its
    screenshot."""
    browser = _browser()
    page = (folder / "report.html").resolve().as_uri()
    shot = tmp_path / f"{folder.name}.png"
    done = _headless(browser, f"--screenshot={shot}", "--window-size=1280,1600", page)
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", done.stderr[-2000:]
    assert shot.stat().st_size > 20_000  # a page drawn, not a blank
    dom = _headless(browser, "--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    parsed = _Text()
    parsed.feed(dom.stdout)
    text = " ".join("".join(parsed.text).split())
    answer = " ".join("".join(parsed.answer).split())
    assert answer, "the rendered page has no answer"
    assert text.index("Answer") < text.index("Figures") < text.index("Provenance")
    assert "Not a forecast" in text
    return text, answer


def _pages(folder: Path, tmp_path: Path) -> int:
    pdf = tmp_path / f"{folder.name}.pdf"
    done = _headless(_browser(), "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                     (folder / "report.html").resolve().as_uri())
    assert pdf.is_file(), done.stderr[-2000:]
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from click.testing import CliRunner

    from escsim.cli import main
    from tests.test_study import STUDY

    root = tmp_path_factory.mktemp("browser")
    study = root / "small.toml"
    study.write_text(STUDY.replace("runs = 8", "runs = 2"), encoding="utf-8")
    commands = {
        "all": ["run", "--all", "--runs", "12", "--horizon", "60"],
        "run": ["run", "baseline-2024-11", "--runs", "12", "--horizon", "60"],
        "compare": ["compare", "baseline-2024-11", "us-punitive", "--runs", "12",
                    "--horizon", "60"],
        "sweep": ["sweep", "baseline-2024-11", "--vary",
                  "us_policy.preset=proportional,punitive", "--runs", "4", "--horizon", "30"],
        "backtest": ["backtest", "--runs", "10"],
        "study": ["study", str(study)],
        "calibrate": ["calibrate", "--particles", "10", "--generations", "0",
                      "--check-runs", "0"],
        "score": ["score", "--from", "2023-10", "--to", "2024-03", "--runs", "10"],
    }
    out = {}
    for name, args in commands.items():
        out[name] = root / name
        res = CliRunner().invoke(main, [*args, "--jobs", "1", "--out", str(out[name])])
        assert res.exit_code == 0, (name, res.output, res.exception)
    return out


def test_the_quick_starts_report_shows_every_scenario_and_prints_short(
        folders: dict[str, Path], tmp_path: Path) -> None:
    from escsim.scenario import outlook_scenarios

    text, answer = _render(folders["all"], tmp_path)
    assert re.search(r"9 scenarios, 12 runs each .* ranges from", answer)
    for name in outlook_scenarios():  # every one, the doctrines included, in the table
        assert name in text.split("Not a forecast")[0], name
    assert "us-restraint" in answer or "us-restraint" in text
    assert text.count("Values every scenario shares") + text.count(
        "only what differs from baseline-2024-11") == 8  # provenance once, differences after
    assert _pages(folders["all"], tmp_path) < 10


@pytest.mark.parametrize("kind, expected", [
    ("run", r"In 12 runs of 60 days from 2024-11-11"),
    ("compare", r"us-punitive minus baseline-2024-11: [+-]?[\d.]+ \[.*\], "
                r"(a ratio of|no ratio \(the base is 0\))"),
    ("sweep", r"2 points, 4 runs each"),
    ("backtest", r"\d+ of \d+ observations fall inside the simulated 90% interval"),
    ("study", r"Most robust: \S+, with the lowest maximum"),
    ("calibrate", r"\d+ parameters calibrated; the data narrow \d+ of them"),
    ("score", r"Over \d+ rolling 30-day forecasts of attacks, the model's CRPS is [\d.]+ "
              r"against [\d.]+ for the best benchmark \(\w+; lower is better\)"),
])
def test_each_kind_of_report_leads_with_its_answer(folders: dict[str, Path], tmp_path: Path,
                                                   kind: str, expected: str) -> None:
    text, answer = _render(folders[kind], tmp_path)
    assert re.search(expected, answer), answer
    assert "Figure 1." in text  # figures captioned, numbered in reading order
    assert not re.search(r"first \d+ of \d+ rows\)", text)  # nothing cut silently
