"""work orders under 13710: titles, milestone and warning columns, patrol findings, photos

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import db.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# The open statuses at the time of this revision (core.workorders.OPEN_STATUSES).
_OPEN_WHERE = sa.text("status IN ('issued', 'signed', 'in_progress', 'close_requested')")
_NEW_INDEXES = ('department', 'deploy_due', 'feedback_due', 'progress_warn_at', 'resolve_warn_at',
                'closed_at', 'cancelled_at')


def upgrade() -> None:
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('progress_warn_at', db.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolve_warn_at', db.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_progress_at', db.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('extension_requested_to', db.types.UtcDateTime(timezone=True), nullable=True))
        for column in _NEW_INDEXES:
            batch_op.create_index(batch_op.f(f'ix_work_orders_{column}'), [column], unique=False)
        batch_op.create_index('ix_work_orders_open', ['status'], unique=False, sqlite_where=_OPEN_WHERE,
                              postgresql_where=_OPEN_WHERE)

    op.create_table('photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mime', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photos')),
    sa.UniqueConstraint('sha256', name=op.f('uq_photos_sha256'))
    )
    op.create_table('patrol_findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('found_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('found_by', sa.String(length=64), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_patrol_findings_grid_id_grids')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_patrol_findings_incident_id_incidents')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'],
                            name=op.f('fk_patrol_findings_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_findings'))
    )
    with op.batch_alter_table('patrol_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_findings_found_at'), ['found_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_findings_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_findings_work_order_id'), ['work_order_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('patrol_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_findings_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_findings_grid_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_findings_found_at'))
    op.drop_table('patrol_findings')
    op.drop_table('photos')
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_work_orders_open')
        for column in _NEW_INDEXES:
            batch_op.drop_index(batch_op.f(f'ix_work_orders_{column}'))
        for column in ('extension_requested_to', 'first_progress_at', 'resolve_warn_at', 'progress_warn_at', 'title'):
            batch_op.drop_column(column)
