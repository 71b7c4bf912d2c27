"""Hostile input on every channel of the command line: scenario files, ``--set``, options,
design tables, priors, observations, posteriors, folders to resume or redraw, and the working
folder (the environment a command runs in).

Every case must end with exit code 2 and one line on stderr naming the offending key or value,
no traceback, and nothing written anywhere: the whole temporary folder (and its parent's listing,
for names that try to climb out) is compared before and after.
"""

from __future__ import annotations

import errno
import json
import os
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from escsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
SURGE = 'extends = "surge-2023"\n'
VARY = "iran.retaliate_personnel_prob=0:1:3"


def _ladder(condition: str) -> str:
    return SURGE + f'[ladder.extra]\nlevel = 9\ncondition = "{condition}"\n'


def _pyproject_like() -> str:
    return '[build-system]\nrequires = ["setuptools"]\n[project]\nname = "x"\n'


@dataclass
class Case:
    """One hostile command: files to write in the working folder, the arguments, and what the
    one-line message must name."""

    id: str
    args: list[str]
    names: tuple[str, ...]
    files: dict[str, str | bytes] = field(default_factory=dict)
    folders: tuple[str, ...] = ()


def _cases() -> Iterator[Case]:
    # ---- scenario files -----------------------------------------------------------------
    files = {
        "empty": ("", ("empty.toml", "empty scenario file")),
        "comments-only": ("# a comment\n\n   # another\n", ("comments-only.toml",
                                                           "empty scenario file")),
        "name-climbs": (SURGE + '[scenario]\nname = "../escaped"\n', ("scenario.name",
                                                                   "../escaped")),
        "name-absolute": (SURGE + '[scenario]\nname = "/tmp/escsim-absolute"\n',
                          ("scenario.name", "/tmp/escsim-absolute")),
        "name-slash": (SURGE + '[scenario]\nname = "a/b"\n', ("scenario.name", "a/b")),
        "name-dotdot": (SURGE + '[scenario]\nname = ".."\n', ("scenario.name", "'..'")),
        "name-nul": (SURGE + '[scenario]\nname = "a\\u0000b"\n', ("scenario.name",)),
        "name-too-long": (SURGE + f'[scenario]\nname = "{"n" * 300}"\n', ("scenario.name",)),
        "threshold-5000-digits": (_ladder("attacks >= " + "9" * 5000),
                                  ("ladder.extra.condition", "too long")),
        "threshold-huge": (_ladder("attacks >= 1000000000001"),
                           ("ladder.extra.condition", "too large")),
        "condition-whitespace-run": (_ladder("attacks" + " " * 200_000 + "x"),
                                     ("ladder.extra.condition", "too long")),
        "condition-many-terms": (_ladder(" and ".join(["attacks >= 1"] * 17)),
                                 ("ladder.extra.condition", "too many terms")),
        "condition-window-zero": (_ladder("attacks[0d] >= 1"),
                                  ("ladder.extra.condition", "window")),
        "condition-window-huge": (_ladder("attacks[99999d] >= 1"),
                                  ("ladder.extra.condition", "window")),
        "condition-garbage": (_ladder("attacks >= 1; rm -rf /"),
                              ("ladder.extra.condition", "'and'")),
        "start-date-9999": (SURGE + "[scenario]\nstart_date = 9999-12-01\n",
                            ("scenario.start_date", "9999-12-01")),
        "start-date-last-day": (SURGE + "[scenario]\nstart_date = 9999-12-31\n",
                                ("scenario.start_date",)),
        "extends-absolute": ('extends = "/etc/hostname"\n', ("extends", "/etc/hostname",
                                                              "absolute")),
        "extends-climbs": ('extends = "../outside.toml"\n', ("extends", "../outside.toml")),
        "extends-not-toml": ('extends = "notes.txt"\n', ("extends", "notes.txt")),
        "extends-empty": ('extends = ""\n', ("extends",)),
        "extends-foreign-toml": ('extends = "pyproject.toml"\n',
                                 ("pyproject.toml", "build-system", "extends chain")),
        "extends-list": ('extends = ["a", "b"]\n', ("extends",)),
        "not-utf8": (b"extends = \"surge-2023\"\n# \xff\xfe\n", ("not UTF-8",)),
        "invalid-toml": ("extends = \n", ("invalid TOML",)),
        "nested-arrays": ("x = " + "[" * 5000 + "]" * 5000 + "\n", ("nested-arrays.toml",)),
        "unknown-table": (SURGE + "[nonsense]\nx = 1\n", ("nonsense", "unknown key")),
        "horizon-nan": (SURGE + "[scenario]\nhorizon_days = nan\n", ("scenario.horizon_days",)),
        "horizon-inf": (SURGE + "[scenario]\nhorizon_days = inf\n", ("scenario.horizon_days",)),
    }
    extra = {"notes.txt": "not a scenario\n", "pyproject.toml": _pyproject_like()}
    for name, (text, names) in files.items():
        for command in (["show"], ["run", "-n", "2", "--executor", "serial"]):
            if command[0] == "show" and name not in ("empty", "name-climbs", "extends-absolute",
                                                     "threshold-5000-digits", "not-utf8"):
                continue
            yield Case(f"file-{name}-{command[0]}", [*command, f"{name}.toml"], names,
                       {f"{name}.toml": text, **extra})
    # several scenarios: the name would choose a subfolder of --out
    yield Case("run-two-scenarios-name-climbs", ["run", "esc.toml", "surge-2023", "-n", "2",
                                                 "--out", "out"], ("scenario.name", "../escaped"),
               {"esc.toml": SURGE + '[scenario]\nname = "../escaped"\n'})
    for command in ("sweep", "trace", "backtest", "calibrate"):
        extra_args = {"sweep": ["--vary", VARY], "trace": ["--seed", "1"], "backtest": [],
                      "calibrate": []}[command]
        yield Case(f"{command}-name-climbs", [command, "esc.toml", *extra_args],
                   ("scenario.name", "../escaped"),
                   {"esc.toml": SURGE + '[scenario]\nname = "../escaped"\n'})
        yield Case(f"{command}-empty-file", [command, "empty.toml", *extra_args],
                   ("empty scenario file",), {"empty.toml": ""})

    # ---- --set ---------------------------------------------------------------------------
    sets = {
        "no-equals": ("scenario.name", ("scenario.name",)),
        "unknown-key": ("scenario.nope=1", ("scenario.nope",)),
        "name-climbs": ("scenario.name=../x", ("scenario.name", "../x")),
        "name-absolute": ("scenario.name=/etc", ("scenario.name", "/etc")),
        "date-overflow": ("scenario.start_date=9999-12-31", ("scenario.start_date",)),
        "condition-digits": ("ladder.us_killed.condition=us_killed >= " + "1" * 5000,
                             ("ladder.us_killed.condition",)),
        "horizon-inf": ("scenario.horizon_days=inf", ("scenario.horizon_days",)),
        "horizon-nan": ("scenario.horizon_days=nan", ("scenario.horizon_days",)),
        "nested-value": ("scenario.horizon_days=" + "[" * 3000 + "]" * 3000,
                         ("scenario.horizon_days",)),
    }
    for name, (item, names) in sets.items():
        yield Case(f"set-{name}", ["run", "surge-2023", "-n", "2", "--set", item], names)
    yield Case("sweep-set-name-climbs", ["sweep", "surge-2023", "--vary", VARY, "--set",
                                         "scenario.name=../x"], ("scenario.name",))

    # ---- options ---------------------------------------------------------------------------
    for address, names in (("tcp://:::zz", ("--scheduler", "malformed")),
                           ("http://127.0.0.1:1", ("--scheduler", "protocol")),
                           ("tcp://127.0.0.1:99999", ("--scheduler", "malformed")),
                           ("127.0.0.1:1", ("--scheduler", "cannot reach"))):
        yield Case(f"scheduler-{address}", ["run", "surge-2023", "-n", "2", "--executor", "dask",
                                            "--scheduler", address], names)
    yield Case("scheduler-without-dask", ["run", "surge-2023", "-n", "2", "--scheduler",
                                          "tcp://127.0.0.1:1"], ("--scheduler",))
    for command in ("run", "trace", "sweep", "backtest", "calibrate", "sensitivity"):
        extra_args = {"run": ["surge-2023", "-n", "2"], "trace": ["surge-2023", "--seed", "1"],
                      "sweep": ["surge-2023", "--vary", VARY], "backtest": ["surge-2023"],
                      "calibrate": ["surge-2023"],
                      "sensitivity": ["surge-2023", "--vary", VARY, "--outcome", "rung:1"]}[command]
        yield Case(f"{command}-out-below-a-file", [command, *extra_args, "--out", "afile/sub"],
                   ("--out", "afile is a file"), {"afile": "x"})
    yield Case("lhs-a-billion-samples", ["sweep", "surge-2023", "--design", "lhs", "--samples",
                                         "1000000000", "--vary",
                                         "iran.retaliate_personnel_prob=0:1"],
               ("--samples", "1,000,000,000"))
    yield Case("grid-a-billion-values", ["sweep", "surge-2023", "--vary",
                                         "iran.retaliate_personnel_prob=0:1:1000000000"],
               ("--vary", "1,000,000,000"))
    yield Case("grid-product-too-large", ["sweep", "surge-2023", "--vary",
                                          "iran.retaliate_personnel_prob=0:1:1000", "--vary",
                                          "us_policy.leadership_strike_prob=0:0.5:1000"],
               ("--vary", "1,000,000 points"))
    yield Case("sweep-total-runs", ["sweep", "surge-2023", "--vary",
                                    "iran.retaliate_personnel_prob=0:1:100", "--runs",
                                    "10000000"], ("--runs", "1,000,000,000 replications"))
    yield Case("grid-count-digits", ["sweep", "surge-2023", "--vary",
                                     "iran.retaliate_personnel_prob=0:1:" + "9" * 5000],
               ("iran.retaliate_personnel_prob",))
    yield Case("sensitivity-samples", ["sensitivity", "surge-2023", "--vary", VARY,
                                       "--outcome", "rung:1", "--samples", str(2 ** 20)],
               ("--samples",))

    # ---- design tables -----------------------------------------------------------------------
    tables: dict[str, tuple[str | bytes, tuple[str, ...]]] = {
        "empty": ("", ("design.csv", "no points")),
        "not-utf8": (b"iran.retaliate_personnel_prob\n\xff\n", ("design.csv", "UTF-8")),
        "nul-bytes": (b"iran.retaliate_personnel_prob\n0.5\x00\n",
                      ("iran.retaliate_personnel_prob", "0.5\\x00")),
        "path-header": ("../x\n1\n", ("design.csv", "../x")),
        "name-column": ("scenario.name\n../escaped\n", ("scenario.name", "../escaped")),
        "short-row": ("iran.retaliate_personnel_prob,us_policy.leadership_strike_prob\n0.5\n",
                      ("design.csv", "line 2")),
        "out-of-range": ("iran.retaliate_personnel_prob\n7\n",
                         ("iran.retaliate_personnel_prob",)),
    }
    for name, (text, names) in tables.items():
        yield Case(f"design-table-{name}", ["sweep", "surge-2023", "--design-table",
                                            "design.csv"], names, {"design.csv": text})

    # ---- priors, observations, posteriors -------------------------------------------------
    priors = {
        "empty": ("", ("priors.toml",)),
        "invalid": ("[parameters\n", ("priors.toml",)),
        "not-utf8": (b"scenario = \"surge-2023\"\n\xff\n", ("priors.toml",)),
        "unknown-parameter": ('scenario = "surge-2023"\n[parameters."nope.key"]\n'
                              'dist = "uniform"\nloc = 0\nscale = 1\nreason = "r"\n',
                              ("nope.key",)),
    }
    for name, (text, names) in priors.items():
        yield Case(f"priors-{name}", ["run", "surge-2023", "-n", "2",
                                      "--parameter-uncertainty", "prior", "--priors",
                                      "priors.toml"], names, {"priors.toml": text})
    observations = {
        "empty": ("", ("obs.csv", "empty")),
        "not-utf8": (b"id,kind\n\xff\n", ("obs.csv",)),
        "bad-header": ("what,ever\n1,2\n", ("obs.csv",)),
    }
    for name, (text, names) in observations.items():
        yield Case(f"observations-{name}", ["backtest", "surge-2023", "--observations",
                                            "obs.csv"], names, {"obs.csv": text})
    yield Case("observations-missing", ["calibrate", "surge-2023", "--observations",
                                        "missing.csv"], ("missing.csv",))
    priors_text = (ROOT / "scenarios" / "priors" / "surge-2023.toml").read_text(encoding="utf-8")
    for name, text in (("garbage", "\x00\x01garbage"), ("empty", ""),
                       ("wrong-columns", "a,b\n1,2\n")):
        yield Case(f"posterior-{name}", ["run", "surge-2023", "-n", "2",
                                         "--parameter-uncertainty", "posterior", "--posterior",
                                         "cal"], ("posterior.csv",),
                   {"cal/posterior.csv": text, "cal/priors.toml": priors_text})

    # ---- folders to resume, redraw or explore ---------------------------------------------
    truncated = '{"kind": "run", "status": "runn'
    for command in ("run", "sweep"):
        args = ["run", "surge-2023", "-n", "2"] if command == "run" else \
            ["sweep", "surge-2023", "--vary", VARY]
        yield Case(f"{command}-resume-truncated-manifest", [*args, "--resume", "--out", "res"],
                   ("manifest.json", "truncated"), {"res/manifest.json": truncated})
        yield Case(f"{command}-resume-manifest-not-object", [*args, "--resume", "--out", "res"],
                   ("manifest.json", "not a JSON object"), {"res/manifest.json": "[1, 2]"})
        yield Case(f"{command}-resume-manifest-bad-chunking",
                   [*args, "--resume", "--out", "res"], ("manifest.json", "chunk_runs"),
                   {"res/manifest.json": json.dumps({"spec": {}, "scenarios": [],
                                                     "chunking": {"chunk_runs": -1}})})
        yield Case(f"{command}-resume-no-manifest", [*args, "--resume", "--out", "res"],
                   ("nothing to resume",), {"res/other.txt": "x"})
    yield Case("sweep-resume-only-truncated", ["sweep", "--resume", "--out", "res"],
               ("manifest.json", "truncated"), {"res/manifest.json": truncated})
    yield Case("sweep-resume-manifest-empty-spec", ["sweep", "--resume", "--out", "res"],
               ("manifest.json", "spec"),
               {"res/manifest.json": json.dumps({"spec": {}, "scenarios": [],
                                                 "chunking": {"chunk_runs": 5}})})
    yield Case("plot-truncated-manifest", ["plot", "res"], ("manifest.json", "truncated"),
               {"res/manifest.json": truncated})
    yield Case("discover-truncated-manifest", ["discover", "res", "--outcome", "rung:1"],
               ("manifest.json", "truncated"), {"res/manifest.json": truncated})

    # ---- study files (escsim study) and compare ------------------------------------------
    doctrines = ('[doctrines.restraint]\n"us_policy.preset" = "restraint"\n'
                 '[doctrines.punitive]\n"us_policy.preset" = "punitive"\n')
    for name, text, names in (
            ("name-climbs", '[study]\nname = "../escaped"\n', ("study.name",)),
            ("name-absolute", '[study]\nname = "/tmp/escsim-absolute"\n', ("study.name",)),
            ("nested", "x = " + "[" * 5000 + "]" * 5000 + "\n", ("study.toml",)),
            ("not-utf8", b"[study]\n\xff\n", ("study.toml",))):
        body = text if isinstance(text, bytes) else text + doctrines
        yield Case(f"study-{name}", ["study", "study.toml"], names, {"study.toml": body})
    yield Case("study-endless-device", ["study", "/dev/zero"], ("/dev/zero",))
    yield Case("compare-name-climbs", ["compare", "surge-2023", "esc.toml", "-n", "4"],
               ("scenario.name", "../escaped"),
               {"esc.toml": SURGE + '[scenario]\nname = "../escaped"\n'})
    yield Case("compare-out-below-a-file", ["compare", "surge-2023", "us-punitive", "-n", "4",
                                            "--out", "afile/sub"], ("afile is a file",),
               {"afile": "x"})

    # ---- endless or huge inputs (a device, a file far larger than any real one) ----------
    for name, args in (("scenario", ["show", "/dev/zero"]),
                       ("priors", ["run", "surge-2023", "-n", "2", "--parameter-uncertainty",
                                   "prior", "--priors", "/dev/zero"]),
                       ("observations", ["backtest", "surge-2023", "--observations",
                                         "/dev/zero"]),
                       ("design-table", ["sweep", "surge-2023", "--design-table",
                                         "/dev/zero"])):
        yield Case(f"{name}-endless-device", args, ("/dev/zero",))
    yield Case("jobs-beyond-the-machine", ["run", "surge-2023", "-n", "2", "--jobs", "100000"],
               ("--jobs", "100000"))
    yield Case("plot-an-unfinished-run-folder", ["plot", "res"],
               ("incomplete run folder", "daily.csv", "summary.json"),
               {"res/manifest.json": json.dumps({"kind": "run", "status": "complete"}),
                "res/runs.csv": "a\n1\n"})

    # ---- the working folder: default output locations that cannot be written -----------------
    for command, args in (("run", ["surge-2023", "-n", "2"]),
                          ("trace", ["surge-2023", "--seed", "1"]),
                          ("sweep", ["surge-2023", "--vary", VARY]),
                          ("backtest", ["surge-2023"])):
        yield Case(f"{command}-default-out-below-a-file", [command, *args],
                   ("results is a file",), {"results": "a file where the folder goes"})


CASES = list(_cases())


def _snapshot(root: Path) -> dict[str, tuple[bool, int, int]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            p = Path(dirpath) / name
            st = p.lstat()
            # a folder's own time stamp moves when a probe file comes and goes: its entries
            # are what must not change
            out[str(p.relative_to(root))] = (True, 0, 0) if p.is_dir() else \
                (False, st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture
def hostile_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                cli_input_error: Callable[..., str]) -> Callable[..., str]:
    """Run ``escsim ARGS`` in ``tmp_path/work`` with ``files`` written there; check the bad-input
    contract and that nothing on disk changed."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)

    def run(args: list[str], names: tuple[str, ...], files: dict[str, str | bytes]) -> str:
        for name, text in files.items():
            p = work / name
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                p.write_bytes(text)
            else:
                p.write_text(text, encoding="utf-8")
        before = _snapshot(tmp_path)
        around = sorted(p.name for p in tmp_path.parent.iterdir())
        result = CliRunner().invoke(main, args, catch_exceptions=True)
        line = cli_input_error(result, *names)
        assert _snapshot(tmp_path) == before, "the failed command changed the disk"
        assert sorted(p.name for p in tmp_path.parent.iterdir()) == around
        assert not Path("/tmp/escsim-absolute").exists()
        return line

    return run


def test_the_suite_covers_every_channel() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    commands = {c.args[0] for c in CASES}
    assert commands >= {"run", "show", "trace", "sweep", "sensitivity", "backtest", "calibrate",
                        "plot", "discover", "study", "compare"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_exits_2_naming_it_and_writes_nothing(case: Case, hostile_cli) -> None:
    hostile_cli(case.args, case.names, case.files)


# ---- servers that are not Dask schedulers ----------------------------------------------------
class _Garbage(socketserver.BaseRequestHandler):
    def handle(self) -> None:  # an HTTP server's answer: its first 8 bytes spell a huge length
        self.request.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n" * 4)
        time.sleep(0.5)


class _Silent(socketserver.BaseRequestHandler):
    def handle(self) -> None:  # accepts and never answers
        self.request.recv(1)
        time.sleep(5)


class _Closes(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        pass


@pytest.fixture
def fake_server() -> Iterator[Callable[[type], str]]:
    servers = []

    def start(handler: type) -> str:
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"tcp://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("command", [["run", "surge-2023", "-n", "2", "--executor", "serial"],
                                     ["trace", "surge-2023", "--seed", "1"]])
def test_an_invalid_plotting_backend_in_the_environment_is_found_first(
        command: list[str], tmp_path: Path) -> None:
    """``MPLBACKEND`` is read by matplotlib's import, which comes after the simulation; escsim
    checks it first (in a subprocess: matplotlib is already imported in this one)."""
    import subprocess
    import sys

    env = {**os.environ, "MPLBACKEND": "nonsense",
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "escsim.cli", *command, "--out", "out"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("escsim: error: key 'MPLBACKEND'") and "nonsense" in done.stderr
    assert "Traceback" not in done.stderr and list(tmp_path.iterdir()) == []


def test_a_server_speaking_another_protocol_is_not_a_scheduler(fake_server, hostile_cli) -> None:
    """The first bytes of an HTTP answer read as a frame length of ~3 EiB; Dask would try to
    allocate it. The probe refuses it first."""
    address = fake_server(_Garbage)
    hostile_cli(["run", "surge-2023", "-n", "2", "--executor", "dask", "--scheduler", address],
                ("--scheduler", "does not speak the Dask protocol"), {})


def test_a_server_that_closes_at_once_is_not_a_scheduler(fake_server, hostile_cli) -> None:
    address = fake_server(_Closes)
    hostile_cli(["sweep", "surge-2023", "--vary", VARY, "--executor", "dask", "--scheduler",
                 address], ("--scheduler", "closed the connection"), {})


def test_a_server_that_never_answers_times_out(fake_server) -> None:
    from escsim.errors import InputError
    from escsim.sweep.executors.dask import DaskExecutor

    address = fake_server(_Silent)
    with pytest.raises(InputError) as err:
        DaskExecutor(scheduler=address, connect_timeout_seconds=0.3)
    assert err.value.key == "--scheduler" and "no Dask handshake within 0.3s" in str(err.value)


# ---- an unwritable folder (permissions cannot be tested as root: the probe is made to fail) ---
@pytest.mark.parametrize("command", ["run", "trace", "sweep", "backtest", "calibrate"])
def test_a_read_only_output_folder_is_found_before_any_work(command: str, hostile_cli,
                                                             monkeypatch) -> None:
    import escsim.engine
    import escsim.results.files as files

    def read_only(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EROFS, "Read-only file system")

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("a replication ran before the output was checked")

    monkeypatch.setattr(files.tempfile, "mkstemp", read_only)
    monkeypatch.setattr(escsim.engine, "run_replication", no_work)
    args = {"run": ["surge-2023", "-n", "2"], "trace": ["surge-2023", "--seed", "1"],
            "sweep": ["surge-2023", "--vary", VARY], "backtest": ["surge-2023"],
            "calibrate": ["surge-2023"]}[command]
    hostile_cli([command, *args, "--out", "ro"], ("--out", "Read-only file system"), {})
