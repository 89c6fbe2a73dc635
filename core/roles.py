"""Who may do what: every permission an operation can ask for, and the roles that hold them.

This is the one declaration: the operation runner refuses an operation whose permission
is not declared here, or that the actor's role lacks; the desktop disables the actions
a role lacks; the README's table of roles x permissions is generated from it
(``python -m tools.roles_table``). Pure data, no I/O."""
from __future__ import annotations

from dataclasses import dataclass

# permission -> what it allows (the operations that ask for it)
PERMISSIONS: dict[str, str] = {
    "create_incident": "接警录入 take in an incident (desk or API)",
    "edit_incident": "警情编辑 change an incident's state, close it",
    "request_support": "请求支援 a unit on scene asks for support",
    "dispatch": "派警 dispatch, release units, record arrival",
    "escalate": "升级指令 escalate or de-escalate an incident",
    "work_orders": "工单办理 issue and work on work orders",
    "review_work_orders": "工单审核 close, send back, cancel, supervise, decide extensions",
    "record_findings": "巡查发现 record a patrol finding",
    "run_drills": "试警 flag incidents as drills",
    "train": "推演 replay and score what-if dispatches",
    "rebuild_patrol": "巡逻重算 rebuild patrol events for a period",
    "detect_patrol": "巡逻检测 live patrol detection (the server)",
    "edit_layers": "图层维护 import and edit places (grids, streets, points)",
    "edit_duty": "勤务维护 duty roster, shifts and patrol rules",
    "import_tracks": "轨迹导入 import GPS tracks",
    "manage_devices": "设备管理 add and remove devices",
    "seed_data": "基础数据 code tables and the demo city",
    "simulate": "模拟 add simulated units",
    "manage_users": "用户管理 users, roles and API clients",
    "log_in": "登录 log in (the log-in records itself: failures count toward the lock-out)",
}


@dataclass(frozen=True)
class RoleSpec:
    name: str
    label: str  # Chinese first, as the UI shows it
    permissions: frozenset[str]
    login: bool = True  # False: an API client role, never a person's


def _role(name: str, label: str, *permissions: str, login: bool = True) -> RoleSpec:
    return RoleSpec(name, label, frozenset(permissions), login)


ROLES: dict[str, RoleSpec] = {r.name: r for r in (
    _role("dispatcher", "接警员 dispatcher", "log_in", "create_incident", "edit_incident", "dispatch", "request_support"),
    _role("commander", "指挥长 commander", "log_in", "create_incident", "edit_incident", "dispatch", "request_support",
          "escalate", "work_orders", "review_work_orders", "run_drills", "rebuild_patrol"),
    _role("grid_officer", "网格员 grid officer", "log_in", "record_findings", "work_orders"),
    _role("trainer", "培训员 trainer", "log_in", "train"),
    _role("wall", "大屏 wall (read-only)", "log_in"),
    _role("admin", "管理员 admin", "log_in", "manage_users", "seed_data", "manage_devices", "edit_layers", "edit_duty",
          "import_tracks", "detect_patrol", "simulate"),
    # API clients (``gridcommand token add NAME --role intake|support``)
    _role("intake", "接警接口 intake client", "create_incident", login=False),
    # The field terminals' interface: ask for support, and report an incident's result and
    # close it with its outcome (POST /api/v1/incidents/{id}/close), as terminals do by radio.
    _role("support", "支援接口 support client", "request_support", "edit_incident", login=False),
    # The shared ``[api] token`` of before API clients, kept as a client until revoked.
    _role("legacy_api", "旧接口令牌 legacy API token", "create_incident", "request_support", "edit_incident",
          login=False),
)}

USER_ROLES = tuple(name for name, spec in ROLES.items() if spec.login)
CLIENT_ROLES = ("intake", "support")  # what `gridcommand token add --role` offers


class UnknownRole(ValueError):
    pass


def role_permissions(role: str) -> frozenset[str]:
    try:
        return ROLES[role].permissions
    except KeyError:
        raise UnknownRole(f"role: unknown role {role!r} (roles: {', '.join(ROLES)})") from None


def check_role(role: str, client: bool = False) -> str:
    """``role`` if it is one a user (or, with ``client``, an API client) may hold."""
    allowed = CLIENT_ROLES if client else USER_ROLES
    if role not in allowed:
        raise UnknownRole(f"role: {role!r} is not a {'client' if client else 'user'} role "
                          f"(roles: {', '.join(allowed)})")
    return role


def roles_table() -> str:
    """The README's Markdown table: one row per permission, one column per role."""
    names = list(ROLES)
    lines = ["| permission | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for permission, description in PERMISSIONS.items():
        marks = ["✔" if permission in ROLES[r].permissions else "" for r in names]
        lines.append(f"| `{permission}` {description} | " + " | ".join(marks) + " |")
    return "\n".join(lines)
