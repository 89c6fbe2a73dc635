"""Who runs an operation: a user with a role's permissions, an API client, or the system."""
from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass

from core.roles import DEPARTMENT_SCOPED, ROLES, role_permissions


@dataclass(frozen=True)
class Actor:
    """Who runs an operation. ``role`` None with ``*``: the system itself (services,
    the console of an account that is not a registered user)."""

    user: str
    workstation: str
    permissions: frozenset[str] = frozenset({"*"})
    role: str | None = None
    department: str | None = None  # a grid officer's own department (work orders)

    @classmethod
    def local(cls) -> "Actor":
        return cls(user=getpass.getuser(), workstation=socket.gethostname())

    @classmethod
    def for_role(cls, user: str, workstation: str, role: str, department: str | None = None) -> "Actor":
        return cls(user=user, workstation=workstation, permissions=role_permissions(role), role=role,
                   department=department)

    def may(self, permission: str) -> bool:
        return "*" in self.permissions or permission in self.permissions

    def may_work_on(self, department: str | None) -> bool:
        """Whether this actor may act on a work order of ``department``."""
        return self.role not in DEPARTMENT_SCOPED or (self.department is not None and department == self.department)

    @property
    def role_label(self) -> str:
        return ROLES[self.role].label if self.role in ROLES else "系统 system"
