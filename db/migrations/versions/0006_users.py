"""users with roles and Argon2id passwords, API clients, the audit hash chain

Revision ID: 0006
Revises: 0005

The old ``users``/``roles`` tables were never written by any version of the program (roles
and their permissions are now declared in core.roles), so they are replaced, not altered.
A user someone put there by hand is still carried over, never silently dropped: same id,
name, display name and times, the old role's name when it is a declared role (else the
read-only ``wall``), **disabled** and without a password until an admin sets one
(`gridcommand user passwd`, then enables the account). Audit rows already there are chained
in id order, so `gridcommand audit verify` covers them.
"""
from alembic import op
import sqlalchemy as sa
import db.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


# The user roles core.roles declares (a migration keeps its own copy: code changes later).
_USER_ROLES = ("dispatcher", "commander", "grid_officer", "trainer", "wall", "admin")


def _old_users() -> list[dict]:
    # Typed columns, so SQLite's stored times come back as datetimes.
    users = sa.table('users', sa.column('id'), sa.column('username'), sa.column('display_name'), sa.column('role_id'),
                     sa.column('created_at', db.types.UtcDateTime()), sa.column('updated_at', db.types.UtcDateTime()))
    roles = sa.table('roles', sa.column('id'), sa.column('name'))
    query = (sa.select(users.c.id, users.c.username, users.c.display_name, roles.c.name.label('role'),
                       users.c.created_at, users.c.updated_at)
             .select_from(users.outerjoin(roles, roles.c.id == users.c.role_id)).order_by(users.c.id))
    return [dict(r) for r in op.get_bind().execute(query).mappings()]


def upgrade() -> None:
    carried = _old_users()
    op.drop_table('users')
    op.drop_table('roles')
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('department', sa.String(length=32), nullable=True),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('api_clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_clients')),
    sa.UniqueConstraint('name', name=op.f('uq_api_clients_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_clients_token_hash'))
    )
    if carried:
        users = sa.table('users', sa.column('id'), sa.column('username'), sa.column('display_name'), sa.column('role'),
                         sa.column('password_hash'), sa.column('disabled'), sa.column('failed_logins'),
                         sa.column('created_at', db.types.UtcDateTime()), sa.column('updated_at', db.types.UtcDateTime()))
        op.bulk_insert(users, [{**u, "role": u["role"] if u["role"] in _USER_ROLES else "wall", "password_hash": "",
                                "disabled": True, "failed_logins": 0} for u in carried])
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    _chain_existing_rows()


def _chain_existing_rows() -> None:
    from core.audit_chain import GENESIS, at_text, row_hash

    conn = op.get_bind()
    audit = sa.table('audit_log', sa.column('id'), sa.column('at', db.types.UtcDateTime()), sa.column('actor'),
                     sa.column('workstation'), sa.column('operation'), sa.column('entity'), sa.column('entity_id'),
                     sa.column('before', sa.JSON()), sa.column('after', sa.JSON()), sa.column('prev_hash'),
                     sa.column('hash'))
    rows = conn.execute(sa.select(audit.c.id, audit.c.at, audit.c.actor, audit.c.workstation, audit.c.operation,
                                  audit.c.entity, audit.c.entity_id, sa.cast(audit.c.before, sa.Text),
                                  sa.cast(audit.c.after, sa.Text)).order_by(audit.c.id)).all()
    prev = GENESIS
    for row in rows:
        digest = row_hash(prev, at_text(row[1]), row[2], row[3], row[4], row[5], row[6], row[7] or "null",
                          row[8] or "null")
        conn.execute(audit.update().where(audit.c.id == row[0]).values(prev_hash=prev, hash=digest))
        prev = digest
    feeds = sa.table('feed_revisions', sa.column('feed'), sa.column('rev'))
    conn.execute(feeds.delete().where(feeds.c.feed == 'audit'))
    conn.execute(feeds.insert().values(feed='audit', rev=len(rows)))


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
    op.drop_table('api_clients')
    op.drop_table('users')
    op.create_table('roles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('permissions', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roles')),
    sa.UniqueConstraint('name', name=op.f('uq_roles_name'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['role_id'], ['roles.id'], name=op.f('fk_users_role_id_roles')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_users_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
