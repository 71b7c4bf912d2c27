"""The fact base (seeds/): it loads, every fact is sourced, and bad fact files are refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import escsim
from escsim.errors import InputError
from escsim.facts import Fact, load_facts

GOOD = '''
[[fact]]
id = "T-1"
value = 170
unit = "attacks"
window = [2023-10-17, 2024-02-04]
source = "example.org/report"
paraphrase = "A test figure."
'''


def _fact(**fields: str) -> str:
    """One [[fact]] table; a field given as None is left out."""
    base = {"id": '"T-2"', "value": "3", "unit": '"killed"', "date": "2024-01-28",
            "source": '"example.org/other"', "paraphrase": '"Another test figure."'}
    base.update(fields)
    return "\n[[fact]]\n" + "".join(f"{k} = {v}\n" for k, v in base.items() if v is not None)


def _seeds(tmp_path: Path, **files: str | bytes) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    for name, text in files.items():
        path = folder / f"{name}.toml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return folder


# ---------------------------------------------------------------------------- the real base ---
def test_bundled_fact_base_loads_and_every_fact_is_complete() -> None:
    facts = load_facts()
    assert len(facts) >= 20
    for fid, f in facts.items():
        assert fid == f.id
        assert f.source.strip() and f.paraphrase.strip() and f.unit.strip(), fid
        assert (f.value is None) != (f.range is None), fid
        assert f.date is not None or f.window is not None, fid
        assert f.file.endswith(".toml")
        if f.range is not None:
            assert f.range[0] <= f.range[1]
        if f.window is not None:
            assert f.window[0] <= f.window[1], fid


def test_calibration_targets_are_in_the_fact_base() -> None:
    """The numbers tests/test_calibration.py checks against come from here."""
    facts = load_facts()
    assert facts["PR-A1"].value == 170
    assert facts["PR-A1"].window == (dt.date(2023, 10, 17), dt.date(2024, 2, 4))
    assert facts["PR-A2"].value == 186
    assert facts["PR-A2-KILLED"].value == 3
    assert facts["PR-B-ROUNDS"].range == (9.0, 10.0)
    assert facts["PR-B-ROUNDS"].figure() == "9-10 US strike rounds"
    assert facts["PR-A1"].when() == "2023-10-17 to 2024-02-04"


def test_every_cited_fact_exists_and_shows_in_provenance() -> None:
    facts = load_facts()
    for name in escsim.bundled_scenarios():
        s = escsim.load_scenario(name)
        cited = {v.split()[1] for v in s.provenance.values() if v.startswith("fact ")}
        assert cited and cited <= set(facts), name


def test_scenario_resolves_against_the_fact_base_it_is_given(tmp_path: Path) -> None:
    """A fact base without the facts a scenario cites is an error, not a silent default."""
    folder = _seeds(tmp_path, only=GOOD)
    with pytest.raises(InputError) as info:
        escsim.load_scenario("surge-2023", facts=load_facts(folder))
    assert info.value.message.startswith("unknown fact id")
    assert info.value.value in load_facts()  # a real id the small base lacks


def test_a_small_valid_base(tmp_path: Path) -> None:
    folder = _seeds(tmp_path, a=GOOD, b=_fact(range="[34, 40]", value=None))
    facts = load_facts(folder)
    assert set(facts) == {"T-1", "T-2"}
    t1, t2 = facts["T-1"], facts["T-2"]
    assert isinstance(t1, Fact) and t1.value == 170.0 and t1.file == "a.toml"
    assert t2.range == (34.0, 40.0) and t2.date == dt.date(2024, 1, 28) and t2.file == "b.toml"
    assert t2.figure() == "34-40 killed"


# ------------------------------------------------------------------------------- bad facts ---
BAD_FACTS = [
    # (id, file text, key fragment, message fragment)
    ("no-source", _fact(source=None), "(T-2).source", "fact has no source"),
    ("blank-source", _fact(source='"   "'), "(T-2).source", "fact has no source"),
    ("no-paraphrase", _fact(paraphrase=None), "(T-2).paraphrase", "fact has no paraphrase"),
    ("no-unit", _fact(unit=None), "(T-2).unit", "fact has no unit"),
    ("no-id", _fact(id=None), "fact[0].id", "fact has no id"),
    ("value-and-range", _fact(range="[1, 2]"), "fact[0] (T-2)", "exactly one of value or range"),
    ("neither-value-nor-range", _fact(value=None), "fact[0] (T-2)",
     "exactly one of value or range"),
    ("range-reversed", _fact(value=None, range="[40, 34]"), "(T-2).range",
     "range low above high"),
    ("range-too-long", _fact(value=None, range="[1, 2, 3]"), "(T-2).range", "bad range"),
    ("range-not-numbers", _fact(value=None, range='["a", "b"]'), "(T-2).range", "bad range"),
    ("range-booleans", _fact(value=None, range="[true, false]"), "(T-2).range", "bad range"),
    ("range-not-finite", _fact(value=None, range="[nan, 3]"), "(T-2).range", "bad range"),
    ("no-date", _fact(date=None), "fact[0] (T-2)", "no date or window"),
    ("bad-date", _fact(date='"2024-02-30"'), "(T-2).date", "not a date"),
    ("bad-window", _fact(date=None, window="[2024-01-01]"), "(T-2).window", "bad window"),
    ("unknown-field", _fact(sauce='"x"'), "(T-2).sauce", "unknown field"),
    ("not-tables", 'fact = [1, 2]\n', "fact", "[[fact]] tables"),
]


@pytest.mark.parametrize(("text", "key", "message"), [c[1:] for c in BAD_FACTS],
                         ids=[c[0] for c in BAD_FACTS])
def test_bad_fact_is_an_error(tmp_path: Path, text: str, key: str, message: str) -> None:
    folder = _seeds(tmp_path, a=GOOD, b=text)
    with pytest.raises(InputError) as info:
        load_facts(folder)
    err = info.value
    assert err.file == "b.toml"
    assert err.key is not None and key in err.key, err
    assert message in err.message, err
    assert "\n" not in str(err)


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    folder = _seeds(tmp_path, a=GOOD, b=_fact(id='"T-1"'))
    with pytest.raises(InputError) as info:
        load_facts(folder)
    assert (info.value.file, info.value.key) == ("b.toml", "T-1")
    assert info.value.message == "duplicate fact id"
    assert "a.toml" in (info.value.expected or "")


def test_duplicate_id_in_one_file(tmp_path: Path) -> None:
    folder = _seeds(tmp_path, a=GOOD + GOOD)
    with pytest.raises(InputError) as info:
        load_facts(folder)
    assert (info.value.file, info.value.key, info.value.message) == \
        ("a.toml", "T-1", "duplicate fact id")


@pytest.mark.parametrize("text", ["[[fact]\nid = 1\n", b"# caf\xe9\n"], ids=["toml", "utf8"])
def test_unreadable_fact_file(tmp_path: Path, text: str | bytes) -> None:
    folder = _seeds(tmp_path, a=GOOD, b=text)
    with pytest.raises(InputError) as info:
        load_facts(folder)
    assert info.value.message.startswith("invalid TOML")
    assert info.value.file is not None and info.value.file.endswith("b.toml")


def test_missing_fact_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_facts(tmp_path / "nowhere")
    assert info.value.message == "fact base folder not found"
    assert info.value.file == str(tmp_path / "nowhere")


def test_facts_from_the_seed_cite_it_as_the_news_report_it_is() -> None:
    """A fact from the seed document names who the report attributes it to, the report (its
    date; the text gives no outlet or headline) and its file name, not the file name alone."""
    facts = escsim.load_facts().values()
    # a fact naming the seed in words ("seed document") cites it the same way
    named = [f.id for f in facts if "seed document" in f.source.lower()
             and "000_732ba04f51bf7673.txt" not in f.source]
    assert not named, named
    from_seed = [f for f in facts if "000_732ba04f51bf7673.txt" in f.source]
    assert len(from_seed) >= 15
    for f in from_seed:
        assert "news report" in f.source and "Nov 2024" in f.source, f.id
        assert "seed file 000_732ba04f51bf7673.txt" in f.source, f.id
        attributed = f.source.split(", in a news report")[0]
        assert attributed and attributed != f.source, f.id
