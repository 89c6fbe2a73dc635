"""What closing an incident records (docs/domain.md, "Results the report counts"), and
the commendations a unit receives. Pure: validation only, no I/O.

- ``rescued``: people rescued (救助群众), a whole number ≥ 0;
- ``property_recovered_cny``: lost property recovered for its owner (帮助找回财物), in
  yuan, ≥ 0, to the fen;
- ``mediated``: a dispute mediated on the spot (调解纠纷);
- ``accident_on_scene``: a traffic accident settled on the spot under the simple
  procedure (简易程序处置车祸).

Whether the grid's own patrol group handled it after a 110 nearest-unit dispatch
(``nearest_dispatch``) is *derived* from the dispatches (db/stats_repo.py), never typed."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from core.field_checks import check_number, check_text, shown
from core.incidents import FieldError

OUTCOME_FIELDS = ("rescued", "property_recovered_cny", "mediated", "accident_on_scene")
MAX_RESCUED = 10_000
MAX_PROPERTY_CNY = 1e10
COMMENDATION_KINDS = {"banner": "锦旗", "letter": "感谢信"}
NOTE_LIMIT = 1000


@dataclass(frozen=True)
class Outcome:
    rescued: int = 0
    property_recovered_cny: float = 0.0
    mediated: bool = False
    accident_on_scene: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _flag(name: str, value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise FieldError(name, f"must be true or false, got {shown(value)}")
    return value


def check_outcome(values: dict[str, Any] | None) -> Outcome:
    """An Outcome from a mapping (the API's JSON body, the dialog, the CLI); missing keys
    mean nothing of that kind. Unknown keys are refused, naming the first."""
    values = dict(values or {})
    unknown = sorted(set(values) - set(OUTCOME_FIELDS))
    if unknown:
        raise FieldError(unknown[0], f"not an outcome field; fields are {', '.join(OUTCOME_FIELDS)}")
    rescued = values.get("rescued")
    if rescued is None:
        rescued = 0
    if isinstance(rescued, float) and rescued.is_integer():
        rescued = int(rescued)
    if isinstance(rescued, bool) or not isinstance(rescued, int):
        raise FieldError("rescued", f"must be a whole number of people, got {shown(rescued)}")
    check_number("rescued", rescued, 0, MAX_RESCUED)
    money = values.get("property_recovered_cny")
    money = 0.0 if money is None else check_number("property_recovered_cny", money, 0, MAX_PROPERTY_CNY)
    return Outcome(rescued=rescued, property_recovered_cny=round(money, 2),
                   mediated=_flag("mediated", values.get("mediated")),
                   accident_on_scene=_flag("accident_on_scene", values.get("accident_on_scene")))


@dataclass(frozen=True)
class CommendationInput:
    callsign: str
    day: date
    kind: str
    note: str | None = None


def check_commendation(callsign: Any, day: Any, kind: Any, note: Any = None) -> CommendationInput:
    if not isinstance(callsign, str) or not callsign.strip():
        raise FieldError("unit", "required: the callsign of the unit commended")
    if not isinstance(day, date):
        raise FieldError("date", f"must be a date YYYY-MM-DD, got {shown(day)}")
    if kind not in COMMENDATION_KINDS:
        raise FieldError("kind", f"must be one of {', '.join(COMMENDATION_KINDS)}, got {shown(kind)}")
    note = check_text("note", note, NOTE_LIMIT)
    return CommendationInput(callsign.strip(), day, kind, (note or "").strip() or None)
