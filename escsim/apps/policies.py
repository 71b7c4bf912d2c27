"""User-written US retaliation policies from the user's own module (``--policy-module``).

:func:`load_policy_module` imports a ``.py`` file or an importable module, checks every policy
it registers (``@register_policy`` on a subclass of
:class:`escsim.model.policies.RetaliationPolicy`) and makes each available to scenarios under
its ``name``, with the values of the bundled preset its class names in ``values_from``
(default ``proportional``). Every executor then imports the module in its workers first
(:mod:`escsim.plugins`), so the policy runs the same serially, on a process pool or on Dask.
Bad modules are :class:`~escsim.errors.InputError`: no such file or module, an import that
fails, no policy registered, a class that is not a ``RetaliationPolicy`` or whose decision
methods do not take the base class's arguments, a name that is taken, an unknown
``values_from``.
"""

from __future__ import annotations

import inspect
from pathlib import Path

from escsim import plugins
from escsim.errors import InputError

#: The decision methods a policy may override, with the arguments the US actor passes.
_METHODS = {"respond_to_attack": ("report", "days_since_last_round", "draws"),
            "respond_to_iran": ("fatalities", "draws"),
            "could_respond": ("outcome", "days_since_last_round"),
            "screen_days": ()}
_EXPECTED = ("a class that subclasses escsim.model.policies.RetaliationPolicy, decorated with "
             "@register_policy (docs/howto/add-a-retaliation-policy.md)")


def load_policy_module(module: str | Path) -> list[str]:
    """Load the user's retaliation policies from ``module`` (a ``.py`` path or a dotted module
    name) for every scenario, command and executor of this process.

    Args:
        module: the module that defines and registers the policies.

    Returns:
        The names of the policies it registered (what ``us_policy.preset`` may now name).

    Raises:
        InputError: no such module, a failed import, or a policy that breaks the interface.
    """
    from escsim.model.policies import POLICIES
    from escsim.scenario.loader import preset_names

    ref = plugins.module_ref(module)
    if ref in plugins.MODULES:
        return sorted(n for n, c in POLICIES.items() if c.__module__ == _module_name(ref))
    before = dict(POLICIES)
    plugins.import_module_ref(ref)
    added = {name: cls for name, cls in POLICIES.items() if before.get(name) is not cls}
    try:
        if not added:
            raise InputError("the module registers no retaliation policy",
                             key="--policy-module", value=str(module), expected=_EXPECTED)
        presets = preset_names()
        for name, cls in added.items():
            _check_policy(name, cls, before, presets, str(module))
    except InputError:
        POLICIES.clear()
        POLICIES.update(before)  # a rejected module leaves no policy behind
        raise
    for name, cls in added.items():
        plugins.POLICY_PRESETS[name] = getattr(cls, "values_from", "proportional")
    plugins.MODULES.append(ref)
    return sorted(added)


def _module_name(ref: str) -> str:
    import sys

    return next((name for name, m in sys.modules.items()
                 if getattr(m, "__file__", None) == ref), ref)


def _check_policy(name: str, cls: type, before: dict[str, type], presets: list[str],
                  module: str) -> None:
    """One registered class against the interface (see the module's docstring)."""
    from escsim.model.policies import RetaliationPolicy

    def bad(message: str, expected: str = _EXPECTED) -> InputError:
        return InputError(f"policy '{name}': {message}", key="--policy-module", value=module,
                          expected=expected)

    if not (isinstance(cls, type) and issubclass(cls, RetaliationPolicy)):
        raise bad("not a subclass of RetaliationPolicy")
    if not isinstance(name, str) or not name.isidentifier() or name == "base":
        raise bad("its name is not a name", "a name such as 'graduated' in the class's name")
    if name in before:
        raise bad("the name of a policy escsim has already", "another name (bundled: "
                  + ", ".join(sorted(before)) + ")")
    values_from = getattr(cls, "values_from", "proportional")
    if values_from not in presets:
        raise bad(f"values_from = {values_from!r} is not a preset",
                  " | ".join(p for p in presets if p in before))
    for method, arguments in _METHODS.items():
        own = getattr(cls, method, None)
        if not callable(own):
            raise bad(f"{method} is not a method")
        try:
            inspect.signature(own).bind(None, *arguments)
        except TypeError:
            raise bad(f"{method} does not take ({', '.join(arguments)})",
                      f"{method}(self, {', '.join(arguments)}) as in RetaliationPolicy") from None
