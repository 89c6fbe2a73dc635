"""The role of the operating-system account running this program, if it is a user."""
from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError

from core.roles import role_permissions
from db.actors import Actor
from db.engine import session_factory
from db.models import User


def actor_for_account(engine: Engine, account: Actor) -> Actor:
    """``account`` (an Actor for the OS user) with its registered role, if it is a user:
    disabled, with no permission at all; not registered, unchanged."""
    try:
        with session_factory(engine)() as session:
            row = session.execute(select(User.role, User.disabled, User.department)
                                  .where(User.username == account.user)).first()
    except DBAPIError:
        return account  # no users table yet (an old schema being migrated): nobody is registered
    if row is None:
        return account
    permissions = frozenset() if row.disabled else role_permissions(row.role)
    return Actor(account.user, account.workstation, permissions, row.role, row.department)
