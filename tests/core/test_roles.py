"""The one declaration of who may do what: every operation in the code base names a
declared permission, every permission belongs to a role, and the README's table is
generated from it."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from core.roles import CLIENT_ROLES, PERMISSIONS, ROLES, USER_ROLES, check_role, roles_table
from tools.roles_table import README, readme_table

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "db", "feeds", "desktop", "gridcommand", "bench", "tools")


def _operation_calls():
    """Every ``<something runner>.run(operation, fn, ...)`` call outside the tests (an
    event loop's or a simulation's ``runner.run(x)`` takes one argument: not an operation)."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                         and isinstance(n.value, ast.Constant) for t in n.targets if isinstance(t, ast.Name)}
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "run"):
                    continue
                owner = ast.unparse(node.func.value)
                if "runner" not in owner.lower() or len(node.args) + len(node.keywords) < 2:
                    continue
                yield path.relative_to(ROOT), node, constants


def test_every_operation_declares_its_permission():
    calls = list(_operation_calls())
    assert len(calls) >= 25, "the scan found too few operations: has the runner's name changed?"
    missing, undeclared = [], []
    for path, node, constants in calls:
        permission = node.args[2] if len(node.args) >= 3 else next(
            (k.value for k in node.keywords if k.arg == "permission"), None)
        if permission is None:
            missing.append(f"{path}:{node.lineno}")
            continue
        value = permission.value if isinstance(permission, ast.Constant) else \
            constants.get(permission.id) if isinstance(permission, ast.Name) else None
        if isinstance(value, str) and value not in PERMISSIONS:
            undeclared.append(f"{path}:{node.lineno} {value}")
    assert not missing, f"operations without a permission: {missing}"
    assert not undeclared, f"permissions not declared in core.roles: {undeclared}"


def test_the_runner_has_no_default_permission():
    from db.operations import OperationRunner

    assert inspect.signature(OperationRunner.run).parameters["permission"].default is inspect.Parameter.empty


def test_every_permission_is_held_by_some_role_and_roles_hold_only_declared_ones():
    held = set().union(*(r.permissions for r in ROLES.values()))
    assert held == set(PERMISSIONS)
    assert ROLES["wall"].permissions == {"log_in"}  # read-only
    assert ROLES["trainer"].permissions == {"log_in", "train"}


def test_roles_from_the_issue():
    assert {"dispatcher", "commander", "grid_officer", "trainer", "wall", "admin"} == set(USER_ROLES)
    assert CLIENT_ROLES == ("intake", "support")
    assert "escalate" not in ROLES["dispatcher"].permissions
    assert "review_work_orders" in ROLES["commander"].permissions
    assert "dispatch" not in ROLES["grid_officer"].permissions
    assert "manage_users" in ROLES["admin"].permissions and "dispatch" not in ROLES["admin"].permissions


@pytest.mark.parametrize("role,client", [("intake", False), ("dispatcher", True), ("root'; --", False), ("", True)])
def test_a_role_in_the_wrong_place_is_refused_naming_the_field(role, client):
    with pytest.raises(ValueError, match="^role: "):
        check_role(role, client=client)


def test_the_readme_table_is_the_generated_one():
    table = readme_table(README.read_text(encoding="utf-8"))
    assert table is not None, "README.md lost its roles table markers"
    assert table == roles_table(), "README.md's roles table is stale: run `python -m tools.roles_table --write`"
