"""User-written retaliation policies, loaded from the user's own module on every executor.

``escsim run ... --policy-module my_policies.py`` (or :func:`escsim.load_policy_module`) imports
a module whose classes subclass :class:`escsim.model.policies.RetaliationPolicy` and are
decorated with :func:`~escsim.model.policies.register_policy`; a scenario then names one in
``us_policy.preset``. This module, below every layer, keeps what the other layers need:

* :data:`POLICY_PRESETS`: each user policy's name and the bundled preset whose values it reads
  (its class's ``values_from``), so the scenario loader fills its values;
* :data:`MODULES`: the modules loaded, which every executor that runs work in other processes
  imports there first (:func:`with_policy_modules` wraps the work function in a picklable
  :class:`WithModules` that carries their paths), so a process pool or a Dask worker knows
  the policy before its first replication.

The checks of a module (it registers a policy, each a ``RetaliationPolicy`` with the base
class's methods) are the application's (:mod:`escsim.apps.policies`).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from escsim.errors import InputError

#: User policy name -> the bundled preset whose values it reads.
POLICY_PRESETS: dict[str, str] = {}
#: The policy modules loaded in this process, in order: absolute ``.py`` paths or dotted names.
MODULES: list[str] = []

_EXPECTED = "a .py file, or the dotted name of an importable module, of retaliation policies"


def module_ref(ref: str | Path) -> str:
    """The reference workers import: an absolute path for a file, else the dotted name."""
    text = str(ref)
    if text.endswith(".py") or "/" in text or "\\" in text:
        return str(Path(text).expanduser().resolve())
    return text


def import_module_ref(ref: str) -> ModuleType:
    """Import a policy module by :func:`module_ref` (once per process: again, the module
    already imported).

    Raises:
        InputError: no such file or module, or its import failed (naming the error).
    """
    if ref.endswith(".py") or "/" in ref or "\\" in ref:
        path = Path(ref)
        if not path.is_file():
            raise InputError("no such policy module", key="--policy-module", value=ref,
                             expected=_EXPECTED)
        name = f"escsim_policies_{path.stem}_{hashlib.sha256(ref.encode()).hexdigest()[:8]}"
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise InputError("not a Python module", key="--policy-module", value=ref,
                             expected=_EXPECTED)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[name]
            raise _import_failed(ref, exc) from None
        return module
    try:
        return importlib.import_module(ref)
    except ModuleNotFoundError as exc:
        if exc.name and ref.startswith(exc.name):
            raise InputError("no such policy module", key="--policy-module", value=ref,
                             expected=_EXPECTED) from None
        raise _import_failed(ref, exc) from None
    except Exception as exc:
        raise _import_failed(ref, exc) from None


def _import_failed(ref: str, exc: Exception) -> InputError:
    return InputError(f"the policy module failed to import ({type(exc).__name__}: "
                      f"{str(exc)[:200]})", key="--policy-module", value=ref,
                      expected="a module that imports without errors")


@dataclass(frozen=True)
class WithModules:
    """A work function that first imports the policy modules (picklable: it carries their
    references, not the modules), for workers in other processes."""

    fn: Callable[[Any], Any]
    modules: tuple[str, ...]

    def __call__(self, item: Any) -> Any:
        for ref in self.modules:
            import_module_ref(ref)
        return self.fn(item)


def with_policy_modules(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``fn``, wrapped to import the loaded policy modules first where any are loaded."""
    return WithModules(fn, tuple(MODULES)) if MODULES else fn
