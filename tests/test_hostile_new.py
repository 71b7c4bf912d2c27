"""Hostile input aimed at the newer surfaces (issue 22): ``--force`` on folders escsim did not
write, paths read from result folders and scenarios, study files of the wrong shape, unbounded
requests, options a command cannot honour, tampered result folders, resume of damaged chunks,
names, and the messages of a study or a user's scenario folder.

Each refusal is checked like the rest of the hostile suite: exit 2, one line on stderr naming
what is wrong, no traceback, and the files around unchanged.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from escsim.cli import main
from escsim.errors import InputError
from tests.test_study import small_study

SMALL_STUDY = small_study("small", runs=2, seed=1, threshold=0.3, categories=False)

RUN = ["run", "surge-2023", "-n", "2", "--horizon", "20", "--executor", "serial",
       "--no-plots", "--no-report"]


def _snapshot(root: Path) -> dict[str, tuple[bool, int, int]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            p = Path(dirpath) / name
            st = p.lstat()
            out[str(p.relative_to(root))] = (True, 0, 0) if p.is_dir() and not p.is_symlink() \
                else (False, st.st_size, st.st_mtime_ns)
    return out


def _invoke(args: list[str]) -> object:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with a user's own files in it (and one in its parent)."""
    w = tmp_path / "work"
    w.mkdir()
    (w / "notes.txt").write_text("my own notes\n", encoding="utf-8")
    (w / ".env").write_text("TOKEN=secret\n", encoding="utf-8")
    (tmp_path / "thesis.tex").write_text("chapter 1\n", encoding="utf-8")
    monkeypatch.chdir(w)
    return w


@pytest.fixture
def refused(tmp_path: Path, cli_input_error: Callable[..., str]) -> Callable[..., str]:
    """Run ``escsim ARGS``: exit 2 naming ``names``, nothing on disk changed."""

    def run(args: list[str], *names: str) -> str:
        before = _snapshot(tmp_path)
        result = _invoke(args)
        line = cli_input_error(result, *names)
        assert _snapshot(tmp_path) == before, "the refused command changed the disk"
        return line

    return run


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small finished run folder (figures and report included), copied by each test that
    tampers with it."""
    out = tmp_path_factory.mktemp("hostile-run") / "run"
    result = _invoke(["run", "surge-2023", "-n", "3", "--horizon", "30", "--executor", "serial",
                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def tampered(run_folder: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "tampered"
    shutil.copytree(run_folder, copy)
    return copy


# ------------------------------------------------------------------ 1. --force, data loss ---
FORCE_COMMANDS = {
    "run": RUN,
    "sweep": ["sweep", "surge-2023", "--vary", "iran.retaliate_personnel_prob=0:1:2", "--runs",
              "2", "--executor", "serial", "--no-plots"],
    "trace": ["trace", "surge-2023", "--seed", "1"],
    "backtest": ["backtest", "surge-2023", "-n", "10", "--executor", "serial", "--no-plots"],
    "calibrate": ["calibrate", "surge-2023", "--particles", "10", "--generations", "0",
                  "--check-runs", "0", "--executor", "serial", "--no-plots"],
    "study": ["study", "small.toml", "--executor", "serial", "--no-plots"],
}


@pytest.mark.parametrize("command", sorted(FORCE_COMMANDS))
def test_force_never_replaces_the_working_folder(command: str, work: Path, refused) -> None:
    (work / "small.toml").write_text(SMALL_STUDY, encoding="utf-8")
    refused([*FORCE_COMMANDS[command], "--force", "--out", "."], "--out", "never replaces")
    assert (work / "notes.txt").read_text(encoding="utf-8") == "my own notes\n"


@pytest.mark.parametrize("command", sorted(FORCE_COMMANDS))
def test_force_never_replaces_a_folder_of_the_users_files(command: str, work: Path,
                                                          refused) -> None:
    (work / "small.toml").write_text(SMALL_STUDY, encoding="utf-8")
    mine = work / "mine"
    mine.mkdir()
    (mine / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    refused([*FORCE_COMMANDS[command], "--force", "--out", "mine"], "mine",
            "only a folder escsim wrote")
    assert (mine / "data.csv").is_file()


@pytest.mark.parametrize("out", ["..", "../..", "/"])
def test_force_never_replaces_a_parent_or_the_root(out: str, work: Path, refused) -> None:
    refused([*RUN, "--force", "--out", out], "--out", "never replaces")


def test_force_never_replaces_the_home_folder(work: Path, tmp_path: Path, refused,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "important").write_text("x", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    refused([*RUN, "--force", "--out", str(home)], "home folder")


def test_force_never_follows_a_symlink_to_a_result(work: Path, run_folder: Path,
                                                   refused) -> None:
    target = work / "real"
    shutil.copytree(run_folder, target)
    (work / "link").symlink_to(target)
    refused([*RUN, "--force", "--out", "link"], "symbolic link")
    assert (target / "runs.csv").is_file()


def test_force_refuses_a_folder_whose_manifest_is_not_escsims(work: Path, refused) -> None:
    fake = work / "fake"
    fake.mkdir()
    (fake / "manifest.json").write_text('["not", "escsim"]', encoding="utf-8")
    (fake / "keep.txt").write_text("keep", encoding="utf-8")
    refused([*RUN, "--force", "--out", "fake"], "only a folder escsim wrote")


def test_force_replaces_a_folder_escsim_wrote(work: Path, run_folder: Path) -> None:
    shutil.copytree(run_folder, work / "old")
    result = _invoke([*RUN, "--force", "--out", "old"])
    assert result.exit_code == 0, result.output
    assert json.loads((work / "old" / "manifest.json").read_text())["kind"] == "run"


def test_force_may_fill_an_empty_folder(work: Path) -> None:
    (work / "empty").mkdir()
    result = _invoke([*RUN, "--force", "--out", "empty"])
    assert result.exit_code == 0, result.output
    assert (work / "empty" / "runs.csv").is_file()


def test_check_replaceable_by_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from escsim.results.files import check_replaceable

    monkeypatch.chdir(tmp_path)
    check_replaceable(tmp_path / "does-not-exist")  # nothing there: nothing to lose
    for path in (Path("."), Path(".."), Path("/"), tmp_path):
        with pytest.raises(InputError):
            check_replaceable(path)


# ---------------------------------------------------------------------- 2. path containment ---
def test_inside_folder_holds_paths_inside(tmp_path: Path) -> None:
    from escsim.results.files import inside_folder

    folder = tmp_path / "result"
    (folder / "parameters").mkdir(parents=True)
    (tmp_path / "secret.env").write_text("TOKEN=1", encoding="utf-8")
    (folder / "parameters" / "link").symlink_to(tmp_path / "secret.env")
    assert inside_folder(folder, "parameters/priors.toml") == \
        (folder / "parameters" / "priors.toml").resolve()
    for bad in ("/etc/passwd", "../secret.env", "parameters/../../secret.env",
                "parameters/link", "~/x", ""):
        with pytest.raises(InputError, match="outside the result folder"):
            inside_folder(folder, bad)


@pytest.mark.parametrize("name", ["../../outside", "/etc/passwd", "a/../../b"])
def test_trace_refuses_a_scenario_name_that_is_a_path(name: str, tampered: Path,
                                                      refused) -> None:
    runs = (tampered / "runs.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header = runs[0].rstrip("\n").split(",")
    at = header.index("scenario")
    row = runs[1].rstrip("\n").split(",")
    row[at] = name
    (tampered / "runs.csv").write_text(runs[0] + ",".join(row) + "\n", encoding="utf-8")
    refused(["trace", str(tampered), "--replication", "0", "--out",
             str(tampered.parent / "t")], "scenario")


def test_trace_refuses_a_resolved_scenario_linked_out_of_its_folder(tampered: Path,
                                                                   tmp_path: Path,
                                                                   refused) -> None:
    outside = tmp_path / "elsewhere.toml"
    shutil.copy(tampered / "scenario.toml", outside)
    (tampered / "scenario.toml").unlink()
    (tampered / "scenario.toml").symlink_to(outside)
    refused(["trace", str(tampered), "--replication", "0", "--out", str(tmp_path / "t")],
            "outside the result folder")


@pytest.mark.parametrize("extends", ['"base.toml"', '"base"', '"sub/base.toml"'])
def test_extends_may_not_leave_its_folder_through_a_symlink(extends: str, tmp_path: Path,
                                                            refused) -> None:
    own = tmp_path / "own"
    (own / "sub").mkdir(parents=True)
    (tmp_path / "outside.toml").write_text('extends = "surge-2023"\n', encoding="utf-8")
    (own / "base.toml").symlink_to(tmp_path / "outside.toml")
    (own / "sub" / "base.toml").symlink_to(tmp_path / "outside.toml")
    (own / "child.toml").write_text(f"extends = {extends}\n[scenario]\nname = \"child\"\n",
                                    encoding="utf-8")
    refused(["show", str(own / "child.toml")], "extends", "symbolic link")


def test_extends_through_a_symlink_inside_its_folder_is_fine(tmp_path: Path) -> None:
    from escsim.scenario import load_scenario

    own = tmp_path / "own"
    own.mkdir()
    (own / "real.toml").write_text('extends = "surge-2023"\n', encoding="utf-8")
    (own / "base.toml").symlink_to(own / "real.toml")
    (own / "child.toml").write_text('extends = "base.toml"\n[scenario]\nname = "child"\n',
                                    encoding="utf-8")
    assert load_scenario(own / "child.toml").scenario.name == "child"


# ----------------------------------------------------------- 3. study files of the wrong shape ---
def _study(old: str, new: str) -> str:
    assert old in SMALL_STUDY
    return SMALL_STUDY.replace(old, new)


STUDY_SHAPES = {
    "study-a-number": ('[study]\nname = "small"\nruns = 2\nseed = 1\n', "study = 3\n", "study"),
    "doctrines-a-number": ('[doctrines.restraint]\n"us_policy.preset" = "restraint"\n'
                           '[doctrines.proportional]\n"us_policy.preset" = "proportional"\n',
                           "doctrines = 3\n", "doctrines"),
    "doctrine-a-string": ('[doctrines.proportional]\n"us_policy.preset" = "proportional"\n',
                          '[doctrines]\nproportional = "x"\n', "doctrines"),
    "uncertainties-a-number": ('[uncertainties]\nscenarios = ["surge-2023"]\n',
                               "uncertainties = 5\n", "uncertainties"),
    "scenarios-a-number": ('scenarios = ["surge-2023"]', "scenarios = 3",
                           "uncertainties.scenarios"),
    "ranges-a-number": ('scenarios = ["surge-2023"]', 'scenarios = ["surge-2023"]\nranges = 3',
                        "uncertainties.ranges"),
    "ranges-a-list": ('scenarios = ["surge-2023"]',
                      'scenarios = ["surge-2023"]\nranges = [1, 2]', "uncertainties.ranges"),
    "categories-a-list": ('scenarios = ["surge-2023"]',
                          'scenarios = ["surge-2023"]\ncategories = [1]',
                          "uncertainties.categories"),
    "category-a-number": ('scenarios = ["surge-2023"]',
                          'scenarios = ["surge-2023"]\n[uncertainties.categories]\n"x" = 3',
                          "uncertainties.categories.x"),
    "posture-a-number": ('[uncertainties]', 'posture = 3\n[uncertainties]', "posture"),
    "outcomes-a-number": ('[outcomes.war]\nmeasure = "rung:4"\ndirection = "min"\n'
                          'threshold = 0.3\n', "outcomes = 3\n", "outcomes"),
    "outcome-a-number": ('[outcomes.war]\nmeasure = "rung:4"\ndirection = "min"\n'
                         'threshold = 0.3\n', "[outcomes]\nwar = 3\n", "outcomes.war"),
    "measure-a-number": ('measure = "rung:4"', "measure = 4", "outcomes.war.measure"),
    "measure-a-table": ('measure = "rung:4"', "measure = {a = 1}", "outcomes.war.measure"),
    "direction-a-list": ('direction = "min"', 'direction = ["min"]', "outcomes.war.direction"),
    "threshold-nan": ("threshold = 0.3", "threshold = nan", "outcomes.war.threshold"),
    "threshold-inf": ("threshold = 0.3", "threshold = inf", "outcomes.war.threshold"),
    "threshold-minus-inf": ("threshold = 0.3", "threshold = -inf", "outcomes.war.threshold"),
    "threshold-a-string": ("threshold = 0.3", 'threshold = "0.3"', "outcomes.war.threshold"),
    "weight-nan": ("threshold = 0.3", "weight = nan", "outcomes.war.weight"),
    "weight-inf": ("threshold = 0.3", "weight = inf", "outcomes.war.weight"),
    "weight-negative": ("threshold = 0.3", "weight = -1.0", "outcomes.war.weight"),
    "range-inf": ('scenarios = ["surge-2023"]',
                  'scenarios = ["surge-2023"]\n[uncertainties.ranges]\n'
                  '"militias.iraq_factions.excitation_per_round" = [0.0, inf]',
                  "uncertainties.ranges.militias.iraq_factions.excitation_per_round"),
    "range-nan": ('scenarios = ["surge-2023"]',
                  'scenarios = ["surge-2023"]\n[uncertainties.ranges]\n'
                  '"militias.iraq_factions.excitation_per_round" = [nan, 1.0]',
                  "uncertainties.ranges.militias.iraq_factions.excitation_per_round"),
    "name-a-number": ('name = "small"', "name = 5", "study.name"),
    "name-climbs": ('name = "small"', 'name = "../small"', "study.name"),
    "description-a-table": ('name = "small"', 'name = "small"\ndescription = {a = 1}',
                            "study.description"),
    "rank-by-a-number": ('name = "small"', 'name = "small"\nrank_by = 3', "study.rank_by"),
    "pu-a-number": ('scenarios = ["surge-2023"]',
                    'scenarios = ["surge-2023"]\nparameter_uncertainty = 1',
                    "uncertainties.parameter_uncertainty"),
    "priors-a-number": ('scenarios = ["surge-2023"]', 'scenarios = ["surge-2023"]\npriors = 1',
                        "uncertainties.priors"),
    "search-a-number": ('[uncertainties]', 'search = 3\n[uncertainties]', "search"),
    "doctrine-name-control": ("[doctrines.restraint]", '[doctrines."a\\u0007b"]',
                              "doctrines."),
}


@pytest.mark.parametrize("case", sorted(STUDY_SHAPES))
def test_a_study_file_of_the_wrong_shape_is_an_input_error(case: str, work: Path,
                                                           refused) -> None:
    old, new, key = STUDY_SHAPES[case]
    (work / "bad.toml").write_text(_study(old, new), encoding="utf-8")
    refused(["study", "bad.toml", "--executor", "serial", "--out", "o"], "bad.toml", key)


# -------------------------------------------------------------------------- 4. request sizes ---
def test_a_million_states_are_refused_before_any_is_built(work: Path, refused,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    import itertools

    def never(*args: object) -> object:
        raise AssertionError("the product of categories was built before its size was checked")

    cats = "\n".join(f'"k{i}" = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]' for i in range(6))
    (work / "big.toml").write_text(
        _study('scenarios = ["surge-2023"]',
               f'scenarios = ["surge-2023"]\n[uncertainties.categories]\n{cats}'),
        encoding="utf-8")
    monkeypatch.setattr(itertools, "product", never)
    refused(["study", "big.toml", "--executor", "serial", "--out", "o"], "big.toml",
            "uncertainties.categories", "2,000,000")


@pytest.mark.parametrize("key,value", [("samples", "1000000000"), ("runs", "1000000000000")])
def test_huge_study_sizes_are_refused(key: str, value: str, work: Path, refused) -> None:
    text = _study('scenarios = ["surge-2023"]', f'scenarios = ["surge-2023"]\n{key} = {value}'
                  '\n[uncertainties.ranges]\n"iran.retaliate_personnel_prob" = [0.0, 1.0]') \
        if key == "samples" else _study("runs = 2", f"runs = {value}")
    (work / "big.toml").write_text(text, encoding="utf-8")
    refused(["study", "big.toml", "--executor", "serial", "--out", "o"], "big.toml")


@pytest.mark.parametrize("population,generations", [(10**9, 1), (12, 10**9), (1000, 1000)])
def test_a_huge_doctrine_search_is_refused_before_the_study_runs(
        population: int, generations: int, work: Path, refused) -> None:
    text = SMALL_STUDY + (f'\n[search]\npopulation = {population}\ngenerations = {generations}\n'
                          'runs = 1000\n[search.ranges]\n"us_policy.delay_max_days" = [1.0, 9.0]\n')
    (work / "big.toml").write_text(text, encoding="utf-8")
    refused(["study", "big.toml", "--executor", "serial", "--out", "o", "--search"], "search.")


@pytest.mark.parametrize("option,value,named", [
    ("--tail-repetitions", "1000000000", "--tail-repetitions"),
    ("--tail-effort", "1000000000", "--tail-effort"),
    ("--tail-effort", "5000000", "--tail-effort")])
def test_huge_splitting_requests_are_refused(option: str, value: str, named: str, work: Path,
                                             refused) -> None:
    refused([*RUN, "--tail", "splitting", option, value, "--out", "o"], named)


def test_splitting_size_is_checked_per_sweep_point(work: Path, refused) -> None:
    refused(["sweep", "surge-2023", "--vary", "iran.retaliate_personnel_prob=0:1:1000",
             "--runs", "2", "--executor", "serial", "--tail", "splitting", "--tail-effort",
             "10000", "--out", "o"], "--tail-effort", "histories")


def test_estimate_tail_checks_its_size_before_building_tasks(surge) -> None:
    from escsim.tail.splitting import estimate_tail

    with pytest.raises(InputError, match="histories"):
        estimate_tail(surge, 4, root_seed=1, repetitions=100_000, effort=100_000)


# --------------------------------------------------------- 5. options a command cannot honour ---
@pytest.mark.parametrize("option", [["--parameter-uncertainty", "prior"],
                                    ["--priors", "p.toml"], ["--posterior", "post.csv"],
                                    ["--horizon", "30"]])
def test_backtest_eras_refuses_what_it_cannot_honour(option: list[str], work: Path,
                                                     refused) -> None:
    (work / "p.toml").write_text("", encoding="utf-8")
    (work / "post.csv").write_text("", encoding="utf-8")
    refused(["backtest", "--eras", *option, "-n", "10", "--executor", "serial", "--out", "o"],
            option[0], "--eras")


# ------------------------------------------------------------ 6. tampered result folders ---
def _cut(path: Path, keep: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:max(1, int(len(data) * keep))])


TAMPER = {
    "runs-empty": lambda f: (f / "runs.csv").write_bytes(b""),
    "runs-header-only": lambda f: (f / "runs.csv").write_text(
        (f / "runs.csv").read_text().splitlines(keepends=True)[0]),
    "runs-cut": lambda f: _cut(f / "runs.csv", 0.6),
    "runs-binary": lambda f: (f / "runs.csv").write_bytes(os.urandom(2000)),
    "manifest-cut": lambda f: _cut(f / "manifest.json", 0.5),
    "manifest-a-list": lambda f: (f / "manifest.json").write_text("[1, 2]"),
    "summary-cut": lambda f: _cut(f / "summary.json", 0.5),
    "daily-empty": lambda f: (f / "daily.csv").write_bytes(b""),
}


@pytest.mark.parametrize("command", ["plot", "report", "trace"])
@pytest.mark.parametrize("damage", sorted(TAMPER))
def test_a_tampered_run_folder_is_an_input_error(command: str, damage: str, tampered: Path,
                                                 tmp_path: Path, cli_input_error) -> None:
    TAMPER[damage](tampered)
    args = {"plot": ["plot", str(tampered)], "report": ["report", str(tampered)],
            "trace": ["trace", str(tampered), "--replication", "0", "--out",
                      str(tmp_path / "t")]}[command]
    result = _invoke(args)
    if command == "trace" and damage in ("summary-cut", "daily-empty"):
        assert result.exit_code == 0, result.output  # trace reads neither
        return
    cli_input_error(result, str(tampered))


def test_trace_refuses_a_text_seed(tampered: Path, tmp_path: Path, refused) -> None:
    text = (tampered / "runs.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header = text[0].rstrip("\n").split(",")
    row = text[1].rstrip("\n").split(",")
    row[header.index("seed")] = "not-a-seed"
    (tampered / "runs.csv").write_text(text[0] + ",".join(row) + "\n", encoding="utf-8")
    refused(["trace", str(tampered), "--replication", "0", "--out", str(tmp_path / "t")],
            "runs.csv", "seed")


def test_trace_refuses_a_missing_column(tampered: Path, tmp_path: Path, refused) -> None:
    text = (tampered / "runs.csv").read_text(encoding="utf-8")
    (tampered / "runs.csv").write_text(text.replace("param_hash", "hash_param", 1),
                                       encoding="utf-8")
    refused(["trace", str(tampered), "--replication", "0", "--out", str(tmp_path / "t")],
            "runs.csv", "param_hash")


def test_report_on_a_folder_of_someone_elses_csvs_writes_nothing(work: Path, refused) -> None:
    theirs = work / "theirs"
    theirs.mkdir()
    (theirs / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (theirs / "comparison.csv").write_text("x\n1\n", encoding="utf-8")
    refused(["report", "theirs"], "theirs")
    assert not (theirs / "report.html").exists()


@pytest.mark.parametrize("damage", ["empty", "header-only", "cut"])
def test_a_tampered_sweep_folder_is_an_input_error(damage: str, tmp_path: Path,
                                                   cli_input_error) -> None:
    out = tmp_path / "sw"
    done = _invoke(["sweep", "surge-2023", "--vary", "iran.retaliate_personnel_prob=0:1:2",
                    "--runs", "2", "--horizon", "20", "--executor", "serial", "--no-plots",
                    "--no-report", "--out", str(out)])
    assert done.exit_code == 0, done.output
    points = out / "points.csv"
    if damage == "empty":
        points.write_bytes(b"")
    elif damage == "header-only":
        points.write_text(points.read_text().splitlines()[0] + "\n")
    else:
        _cut(points, 0.7)
    for args in (["trace", str(out), "--replication", "0", "--point", "1", "--out",
                  str(tmp_path / "t")], ["plot", str(out)]):
        cli_input_error(_invoke(args), "points.csv")


def test_check_csv_table_by_itself(tmp_path: Path) -> None:
    from escsim.results.files import check_csv_table

    good = tmp_path / "good.csv"
    good.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    assert check_csv_table(good, ["a", "b"]) == ["a", "b"]
    for text in ("", "a,b", "a,b\n", "a,b\n1,2\n3", "a,b\n1,2\n3,4,5\n"):
        bad = tmp_path / "bad.csv"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match="bad.csv"):
            check_csv_table(bad, ["a", "b"])
    with pytest.raises(InputError, match="no c"):
        check_csv_table(good, ["a", "c"])


# -------------------------------------------------------- 7. resume verifies every chunk ---
RESUME = ["sweep", "surge-2023", "--vary", "iran.retaliate_personnel_prob=0:1:2", "--runs",
          "20", "--horizon", "30", "--seed", "3", "--executor", "serial", "--chunk-runs", "5",
          "--no-plots", "--no-report"]


@pytest.fixture(scope="module")
def resume_reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("resume-ref") / "run"
    result = _invoke([*RESUME, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _interrupted(out: Path, after: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import escsim.results.sweep as tables

    calls = {"n": 0}
    real = tables.write_part

    def stop(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tables, "write_part", stop)
    result = _invoke([*RESUME, "--out", str(out)])
    assert result.exit_code == 2, result.output
    monkeypatch.undo()


@pytest.mark.parametrize("damage", ["cut", "garbage", "edited", "unindexed", "index-garbage"])
def test_resume_reruns_a_chunk_that_fails_its_check(damage: str, tmp_path: Path,
                                                    resume_reference: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "run"
    _interrupted(out, 4, monkeypatch)
    part = out / "parts" / "chunk-000001.csv"
    assert part.is_file()
    if damage == "cut":
        _cut(part, 0.5)
    elif damage == "garbage":
        part.write_bytes(os.urandom(3000))
    elif damage == "edited":
        part.write_text(part.read_text().replace(",0,", ",9,", 1))
    elif damage == "unindexed":
        index = out / "parts" / "index.jsonl"
        index.write_text("".join(line for line in index.read_text().splitlines(True)
                                 if '"chunk": 1,' not in line))
    else:
        (out / "parts" / "index.jsonl").write_bytes(b"\x00garbage{{\n")
    result = _invoke([*RESUME, "--out", str(out), "--resume"])
    assert result.exit_code == 0, result.output
    for name in ("runs.csv", "summary.csv", "points.csv"):
        assert (out / name).read_bytes() == (resume_reference / name).read_bytes(), name


# --------------------------------------------------------------- 8. a study out of disk ---
def test_a_study_out_of_disk_at_its_first_write_leaves_no_folder(
        work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import escsim.sweep.run as sweep_run

    (work / "small.toml").write_text(SMALL_STUDY, encoding="utf-8")
    real = sweep_run.write_scenarios

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sweep_run, "write_scenarios", full)
    args = ["study", "small.toml", "--executor", "serial", "--no-plots", "--out", "s"]
    result = _invoke(args)
    assert result.exit_code == 2, result.output
    assert "run the command again" in result.stderr and "--resume" not in result.stderr
    assert not (work / "s").exists()
    monkeypatch.setattr(sweep_run, "write_scenarios", real)
    assert _invoke(args).exit_code == 0


def test_a_study_out_of_disk_mid_run_resumes(work: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import escsim.results.sweep as tables

    (work / "small.toml").write_text(SMALL_STUDY, encoding="utf-8")
    ref = ["study", "small.toml", "--executor", "serial", "--no-plots", "--chunk-runs", "1"]
    assert _invoke([*ref, "--out", "ref"]).exit_code == 0
    real = tables.write_part
    calls = {"n": 0}

    def full(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tables, "write_part", full)
    result = _invoke([*ref, "--out", "s"])
    assert result.exit_code == 2 and "--resume" in result.stderr, result.output
    monkeypatch.setattr(tables, "write_part", real)
    resumed = _invoke([*ref, "--out", "s", "--resume"])
    assert resumed.exit_code == 0, resumed.output
    for name in ("runs.csv", "regret.csv", "ranking.csv"):
        assert (work / "s" / name).read_bytes() == (work / "ref" / name).read_bytes()


# -------------------------------------------------------------------------------- 9. names ---
def test_a_dollar_in_rung_and_scenario_descriptions_draws(tmp_path: Path) -> None:
    scenario = tmp_path / "dollars.toml"
    scenario.write_text('extends = "surge-2023"\n[scenario]\nname = "dollars"\n'
                        'description = "costs $5 and $6"\n'
                        '[ladder."a $x^2$ rung \\\\frac $ and $"]\nlevel = 9\n'
                        'condition = "attacks >= 1"\n', encoding="utf-8")
    result = _invoke(["run", str(scenario), "-n", "3", "--horizon", "20", "--executor",
                      "serial", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert any((tmp_path / "o" / "plots").glob("*.png"))


def test_a_dollar_in_doctrine_and_outcome_names_draws(work: Path) -> None:
    text = SMALL_STUDY.replace("[doctrines.restraint]", '[doctrines."$\\\\frac{a}{b}$ $x"]') \
        .replace("[outcomes.war]", '[outcomes."$war$"]')
    (work / "d.toml").write_text(text, encoding="utf-8")
    result = _invoke(["study", "d.toml", "--executor", "serial", "--out", "s"])
    assert result.exit_code == 0, result.output
    assert any((work / "s" / "plots").glob("*.png"))


def test_figures_draw_every_text_as_written(tmp_path: Path) -> None:
    from matplotlib.text import Text

    from escsim.plotting.style import new_figure, save_figure

    fig = new_figure(3, 2)
    ax = fig.add_subplot()
    ax.set_title("$\\frac$ broken $")
    ax.set_xticks([0, 1], ["$a", "b$ $\\c$"])
    save_figure(fig, tmp_path / "f.png")
    assert (tmp_path / "f.png").stat().st_size > 0
    assert not any(t.get_parse_math() for t in fig.findobj(Text))


@pytest.mark.parametrize("name", ["../x", "a/b", "/tmp/escsim-abs", ".hidden", "n" * 256,
                                  "a b", ""])
def test_run_name_must_be_a_safe_name(name: str, work: Path, refused) -> None:
    refused([*RUN, "--name", name], "--name")


@pytest.mark.parametrize("command", ["run", "sweep", "study"])
def test_a_256_character_output_name_is_an_input_error(command: str, work: Path,
                                                       refused) -> None:
    (work / "small.toml").write_text(SMALL_STUDY, encoding="utf-8")
    refused([*FORCE_COMMANDS[command], "--out", "n" * 256], "--out", "longer than")


def test_one_safe_name_rule() -> None:
    from escsim.paths import is_safe_name
    from escsim.scenario import loader
    from escsim.study import spec

    assert loader.SAFE_NAME_RULE is spec.SAFE_NAME_RULE
    assert is_safe_name("baseline-2024-11") and not is_safe_name("../x")
    assert not is_safe_name("a" * 65) and not is_safe_name("$x")


# ----------------------------------------------------------------------------- 10. messages ---
def test_a_study_naming_a_missing_scenario_names_the_study_and_key(work: Path,
                                                                   refused) -> None:
    (work / "s.toml").write_text(_study('"surge-2023"', '"no-such-scenario"'), encoding="utf-8")
    refused(["study", "s.toml", "--executor", "serial", "--out", "o"], "s.toml",
            "uncertainties.scenarios[0]", "no-such-scenario")


def test_an_infinite_study_range_is_not_blamed_on_vary(work: Path, refused) -> None:
    (work / "s.toml").write_text(STUDY_SHAPES["range-inf"][1].join(
        SMALL_STUDY.split(STUDY_SHAPES["range-inf"][0])), encoding="utf-8")
    line = refused(["study", "s.toml", "--executor", "serial", "--out", "o"], "s.toml")
    assert "--vary" not in line


def test_a_broken_file_in_escsim_scenarios_does_not_stop_the_list(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "own"
    own.mkdir()
    (own / "aaa.toml").write_text('extends = "surge-2023"\n[scenario]\nname = "aaa"\n')
    (own / "bbb.toml").write_text("garbage = [")
    (own / "ccc.toml").write_text('extends = "surge-2023"\n[scenario]\nname = "ccc"\n')
    monkeypatch.setenv("ESCSIM_SCENARIOS", str(own))
    result = _invoke(["scenarios"])
    assert result.exit_code == 0, result.output
    assert "aaa" in result.stdout and "ccc" in result.stdout
    assert "bbb" in result.stdout and "cannot be loaded" in result.stdout
    assert "bbb" in result.stderr and "Traceback" not in result.output


def test_no_false_resume_hint_for_a_folder_escsim_did_not_write(tmp_path: Path) -> None:
    from escsim.cli.common import _resumable_folder

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "manifest.json").write_text('{"name": "my project"}')
    assert not _resumable_folder(mine)
    (mine / "manifest.json").write_text('{"kind": "run"}')
    assert _resumable_folder(mine)


def test_force_replaces_a_trace_folder_but_not_one_with_more_in_it(work: Path, refused
                                                                   ) -> None:
    args = ["trace", "surge-2023", "--seed", "1", "--horizon", "20", "--out", "t"]
    assert _invoke(args).exit_code == 0
    assert _invoke([*args, "--force"]).exit_code == 0  # a trace folder has no manifest
    (work / "t" / "mine.txt").write_text("mine", encoding="utf-8")
    refused([*args, "--force"], "only a folder escsim wrote")


def test_report_copies_nothing_from_outside_its_folder(cli, tmp_path: Path) -> None:
    """A manifest whose recorded scenario path leads out of the folder (a tampered or hostile
    folder) is refused: the secret beside the folder never reaches report.html."""
    import json as _json

    out = tmp_path / "run"
    made = cli("run", "surge-2023", "-n", 12, "--executor", "serial", "--no-plots",
               "--no-report", "--out", out)
    assert made.exit_code == 0, made.output
    secret = tmp_path / "secret.env"
    secret.write_text("TOKEN=do-not-share\n")
    manifest = _json.loads((out / "manifest.json").read_text())
    for entry in manifest["scenarios"]:
        entry["resolved"] = "../secret.env"
    (out / "manifest.json").write_text(_json.dumps(manifest))
    result = cli("report", out)
    assert result.exit_code == 2, result.output
    assert "outside the result folder" in result.stderr
    page = out / "report.html"
    assert not page.exists() or "do-not-share" not in page.read_text()
