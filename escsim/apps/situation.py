"""The situation on a day (``escsim situation DATE``): the scenario as it stood that day, from
the record's rows dated on or before it (:func:`escsim.forecast.situation.situation`), printed
or written to a TOML file that :func:`escsim.load_scenario` loads."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from escsim.apps.common import SILENT, AppResult, Feedback
from escsim.errors import InputError


def situation(day: str, horizon: int = 90, out: Path | None = None, force: bool = False,
              record_folder: Path | None = None, feedback: Feedback = SILENT) -> AppResult:
    """The scenario of ``day`` (``YYYY-MM-DD``), ``horizon`` days long: its TOML text printed,
    or written to ``out`` (a ``.toml`` file; ``force`` replaces one), checked by loading it."""
    import tempfile

    from escsim.forecast.situation import situation as build
    from escsim.forecast.situation import situation_toml
    from escsim.scenario.loader import load_scenario

    tree = build(day, horizon, record_folder)
    text = situation_toml(tree)
    if out is not None and out.exists() and not force:
        raise InputError("the file exists (--force replaces it)", file=str(out))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "situation.toml"
        path.write_text(text, encoding="utf-8")
        try:
            scenario = load_scenario(path)  # the written file must load
        except InputError as exc:  # named by the option, not by a temporary file
            option = {"scenario.horizon_days": "--horizon"}.get(exc.key or "")
            raise dataclasses.replace(exc, file=None if option else f"the scenario of {day}",
                                      key=option or exc.key) from None
    data = {"date": str(scenario.scenario.start_date),
            "initial_regime": scenario.scenario.initial_regime,
            "initial_posture": scenario.iran.initial_posture,
            "returned_from_pause": list(scenario.initial_state.returned_from_pause),
            "recent_us_rounds": sorted(tree.get("events", {})),
            **({"file": str(out)} if out is not None else {})}
    if out is None:
        return AppResult(None, [text], data, value=scenario)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    feedback.note(f"wrote {out}")
    return AppResult(None, [f"situation of {day}: {out} (escsim run {out})"], data,
                     value=scenario)
