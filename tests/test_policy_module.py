"""User-written retaliation policies from the user's own module (``--policy-module``): usable
from a scenario, the same on every executor (the workers import the module), and a bad module
is one clear exit-2 line."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import escsim
from escsim import plugins

GRADUATED = '''
"""A user's own US retaliation policy: never strike back (a rule any run can tell apart)."""
from escsim.model.policies import RetaliationPolicy, register_policy


@register_policy
class Graduated(RetaliationPolicy):
    """Never reply, to militias or to Iran."""

    name = "graduated"
    values_from = "proportional"

    def respond_to_attack(self, report, days_since_last_round, draws):
        return None

    def respond_to_iran(self, fatalities, draws):
        return None
'''
RUN = ["run", "baseline-2024-11", "--set", "us_policy.preset=graduated", "--runs", "16",
       "--horizon", "90", "--no-plots", "--no-report"]


@pytest.fixture
def clean_registry() -> Iterator[None]:
    """Each test loads its modules afresh and leaves the policy registry as it found it."""
    from escsim.model.policies import POLICIES

    saved = (dict(POLICIES), dict(plugins.POLICY_PRESETS), list(plugins.MODULES))
    yield
    POLICIES.clear()
    POLICIES.update(saved[0])
    plugins.POLICY_PRESETS.clear()
    plugins.POLICY_PRESETS.update(saved[1])
    plugins.MODULES[:] = saved[2]


def _module(tmp_path: Path, text: str, name: str = "my_policies.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.mark.usefixtures("clean_registry")
def test_a_users_policy_runs_the_same_serially_and_on_a_process_pool(cli, tmp_path: Path
                                                                     ) -> None:
    module = _module(tmp_path, GRADUATED)
    outs = {}
    for executor in ("serial", "process"):
        outs[executor] = tmp_path / executor
        res = cli(*RUN, "--policy-module", module, "--executor", executor, "--jobs", 2,
                  "--out", outs[executor])
        assert res.exit_code == 0, (res.output, res.exception)
    serial = pd.read_csv(outs["serial"] / "runs.csv")
    pd.testing.assert_frame_equal(serial, pd.read_csv(outs["process"] / "runs.csv"))
    res = cli(*RUN[:2], "--runs", 16, "--horizon", 90, "--no-plots", "--no-report",
              "--executor", "serial", "--out", tmp_path / "proportional")
    base = pd.read_csv(tmp_path / "proportional" / "runs.csv")
    # the user's rule ran, not the preset whose values it reads: the only US strikes left are
    # those no retaliation rule decides (a dated round, a strike on Iran beside Israel)
    assert serial["us_strikes"].sum() < base["us_strikes"].sum()
    assert serial["us_strikes"].max() <= base["us_strikes"].max()
    toml = (outs["serial"] / "scenario.toml").read_text(encoding="utf-8")
    assert "graduated" in toml


@pytest.mark.usefixtures("clean_registry")
def test_the_workers_import_the_module_from_the_task(tmp_path: Path) -> None:
    """What a process pool or a Dask worker receives: a picklable task that imports the module
    in a fresh interpreter (one that never saw it) before the work runs."""
    module = _module(tmp_path, GRADUATED)
    assert escsim.load_policy_module(module) == ["graduated"]
    task = plugins.with_policy_modules(repr)
    assert isinstance(task, plugins.WithModules) and task.modules == (str(module.resolve()),)
    fresh = subprocess.run(
        [sys.executable, "-c", "import pickle, sys\n"
         "task = pickle.loads(sys.stdin.buffer.read())\n"
         "task(0)\n"
         "from escsim.model.policies import POLICIES\n"
         "print(POLICIES['graduated'].__name__)"],
        input=pickle.dumps(task), capture_output=True, check=False)
    assert fresh.returncode == 0, fresh.stderr.decode()
    assert fresh.stdout.decode().strip() == "Graduated"
    # loading it again changes nothing
    assert escsim.load_policy_module(module) == ["graduated"]
    assert plugins.MODULES.count(str(module.resolve())) == 1


@pytest.mark.slow
@pytest.mark.usefixtures("clean_registry")
def test_a_users_policy_runs_on_dask(cli, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    module = _module(tmp_path, GRADUATED)
    for executor in ("serial", "dask"):
        res = cli(*RUN, "--policy-module", module, "--executor", executor, "--jobs", 2,
                  "--out", tmp_path / executor)
        assert res.exit_code == 0, (res.output, res.exception)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "serial" / "runs.csv"),
                                  pd.read_csv(tmp_path / "dask" / "runs.csv"))


BAD = {
    "nothing": ("x = 1\n", "registers no retaliation policy"),
    "not-a-policy": ('''
        from escsim.model.policies import register_policy

        @register_policy
        class Odd:
            name = "odd"
        ''', "not a subclass of RetaliationPolicy"),
    "wrong-interface": ('''
        from escsim.model.policies import RetaliationPolicy, register_policy

        @register_policy
        class Hasty(RetaliationPolicy):
            name = "hasty"

            def respond_to_attack(self, report):
                return None
        ''', "respond_to_attack does not take"),
    "taken": ('''
        from escsim.model.policies import RetaliationPolicy, register_policy

        @register_policy
        class Mine(RetaliationPolicy):
            name = "punitive"
        ''', "already"),
    "values": ('''
        from escsim.model.policies import RetaliationPolicy, register_policy

        @register_policy
        class Mine(RetaliationPolicy):
            name = "mine"
            values_from = "nonesuch"
        ''', "is not a preset"),
    "broken": ("raise RuntimeError('half written')\n",
               "failed to import (RuntimeError: half written)"),
}


@pytest.mark.usefixtures("clean_registry")
@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_module_is_one_clear_refusal(case: str, cli, cli_input_error,
                                           tmp_path: Path) -> None:
    from escsim.model.policies import POLICIES

    before = dict(POLICIES)
    text, message = BAD[case]
    module = _module(tmp_path, text, f"{case.replace('-', '_')}.py")
    cli_input_error(cli(*RUN, "--policy-module", module, "--out", tmp_path / "o"),
                    "--policy-module", message)
    assert not (tmp_path / "o").exists()
    assert POLICIES == before  # a rejected module leaves no policy behind


def test_a_missing_module_is_one_clear_refusal(cli, cli_input_error, tmp_path: Path) -> None:
    cli_input_error(cli(*RUN, "--policy-module", tmp_path / "nowhere.py"),
                    "no such policy module", "nowhere.py")
    cli_input_error(cli(*RUN, "--policy-module", "no_such_package.policies"),
                    "no such policy module", "no_such_package.policies")
    # without the module, the scenario's preset is unknown
    cli_input_error(cli(*RUN, "--out", tmp_path / "o"), "unknown US policy preset", "graduated")


@pytest.mark.usefixtures("clean_registry")
def test_the_how_tos_module_loads_and_runs(tmp_path: Path) -> None:
    howto = (Path(__file__).resolve().parents[1] / "docs" / "howto" /
             "add-a-retaliation-policy.md").read_text(encoding="utf-8")
    code = howto.split("```python\n# my_policies.py\n", 1)[1].split("```", 1)[0]
    module = _module(tmp_path, code)
    assert escsim.load_policy_module(str(module)) == ["graduated"]
    s = escsim.with_overrides(escsim.load_scenario("baseline-2024-11"),
                              {"us_policy.preset": "graduated", "scenario.horizon_days": 60})
    sim = escsim.simulate(s, runs=4, seed=1)
    assert len(sim.runs) == 4 and s.us_policy.preset == "graduated"
