"""The documentation keeps up with the code: every scenario key has its reference entry, the
generated reference pages are current, and the public API is documented in one convention."""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import re
import sys
import types
import typing
from pathlib import Path

import pytest

import escsim
from escsim.scenario import schema

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
REGENERATE = "run `python docs/generate_reference.py` and commit the result"


def _generator() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("generate_reference",
                                                  DOCS / "generate_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def _schema_patterns(cls: type = schema.Scenario, prefix: str = "") -> set[str]:
    """Dotted keys of the schema, walked here independently of the generator; the names of a
    table's entries are written ``<*>``."""
    found: set[str] = set()
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.metadata.get("internal"):
            continue
        tp = hints[f.name]
        if typing.get_origin(tp) in (types.UnionType, typing.Union):
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
        if dataclasses.is_dataclass(tp):
            found |= _schema_patterns(typing.cast(type, tp), f"{prefix}{f.name}.")
        elif typing.get_origin(tp) is dict:
            item = typing.get_args(tp)[1]
            if dataclasses.is_dataclass(item):
                found |= _schema_patterns(typing.cast(type, item), f"{prefix}{f.name}.<*>.")
            else:
                found.add(f"{prefix}{f.name}.<*>")
        else:
            found.add(f"{prefix}{f.name}")
    return found


def _documented_keys() -> set[str]:
    text = (DOCS / "reference" / "scenario-keys.md").read_text(encoding="utf-8")
    return {re.sub(r"<[^>]+>", "<*>", m) for m in re.findall(r"^### `([^`]+)`$", text, re.M)}


def test_every_scenario_key_has_a_reference_entry() -> None:
    missing = sorted(_schema_patterns() - _documented_keys())
    assert not missing, (f"scenario keys without an entry in docs/reference/scenario-keys.md: "
                         f"{missing}; {REGENERATE}")


def test_no_reference_entry_for_a_key_the_schema_lacks() -> None:
    stale = sorted(_documented_keys() - _schema_patterns())
    assert not stale, f"entries for keys the schema does not have: {stale}; {REGENERATE}"


def test_generated_reference_is_up_to_date() -> None:
    stale = []
    for path, text in _generator().outputs().items():
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        if current != text:
            stale.append(str(path.relative_to(ROOT)))
    assert not stale, f"out of date with the code: {stale}; {REGENERATE}"


def _public_api() -> list[tuple[str, object]]:
    return [(name, getattr(escsim, name)) for name in escsim.__all__ if name != "__version__"]


@pytest.mark.parametrize("name, obj", _public_api(), ids=[n for n, _ in _public_api()])
def test_public_name_has_a_docstring(name: str, obj: object) -> None:
    assert inspect.getdoc(obj), f"escsim.{name} has no docstring"
    if inspect.isclass(obj):
        for member_name, member in vars(obj).items():
            if member_name.startswith("_"):
                continue
            target = member.fget if isinstance(member, property) else member
            if inspect.isfunction(target):
                assert inspect.getdoc(target), f"escsim.{name}.{member_name} has no docstring"


def _functions() -> list[tuple[str, typing.Any]]:
    found = []
    for name, obj in _public_api():
        if inspect.isfunction(obj):
            found.append((f"escsim.{name}", obj))
        elif inspect.isclass(obj):
            found += [(f"escsim.{name}.{m}", f) for m, f in vars(obj).items()
                      if inspect.isfunction(f) and not m.startswith("_")]
    return found


@pytest.mark.parametrize("name, func", _functions(), ids=[n for n, _ in _functions()])
def test_parameters_documented_google_style(name: str, func: typing.Any) -> None:
    """One convention: each parameter is an entry of the docstring's ``Args:`` section."""
    params = [p for p in inspect.signature(func).parameters if p not in ("self", "cls")]
    if not params:
        return
    doc = inspect.getdoc(func) or ""
    assert "\nArgs:\n" in f"\n{doc}\n", f"{name}: docstring has no Args: section"
    args = doc.split("Args:\n", 1)[1]
    undocumented = [p for p in params if not re.search(rf"^    {p}( \([^)]*\))?:", args, re.M)]
    assert not undocumented, f"{name}: parameters missing from Args: {undocumented}"


def test_docs_links_resolve() -> None:
    """Relative links in docs/, the README and the notebooks point at files that exist."""
    pages = [*DOCS.rglob("*.md"), ROOT / "README.md"]
    texts = [(p, p.read_text(encoding="utf-8")) for p in pages]
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        texts.append((nb, nb.read_text(encoding="utf-8").replace("\\n", "\n")))
    broken = []
    for page, text in texts:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if re.match(r"^[a-z]+:", target):
                continue  # an address, not a file
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert not broken, f"links to missing files: {broken}"


@pytest.mark.slow
def test_tutorial_numbers_are_what_the_simulation_prints() -> None:
    """docs/tutorial.md shows the summary of its own command; regenerated by a script."""
    spec = importlib.util.spec_from_file_location("generate_tutorial_numbers",
                                                  DOCS / "generate_tutorial_numbers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (DOCS / "tutorial.md").read_text(encoding="utf-8")
    assert module.block() in text, ("docs/tutorial.md: numbers out of date; run "
                                    "python docs/generate_tutorial_numbers.py")


def test_record_completeness_table_is_what_the_record_gives() -> None:
    """docs/explanation/record.md's completeness table is computed from seeds/record."""
    spec = importlib.util.spec_from_file_location("generate_record", DOCS / "generate_record.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (DOCS / "explanation" / "record.md").read_text(encoding="utf-8")
    assert module.block() in text, ("docs/explanation/record.md: table out of date; run "
                                    "python docs/generate_record.py")
    assert (DOCS / "images" / "record.png").stat().st_size > 10_000
