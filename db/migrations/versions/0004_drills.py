"""drills (试警) and what-if results; a time index for replay windows

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
import db.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('drill', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_incidents_drill'), ['drill'], unique=False)

    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.create_index('ix_positions_fix_time', ['fix_time'], unique=False)

    op.create_table('drill_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('trainee', sa.String(length=64), nullable=False),
    sa.Column('workstation', sa.String(length=64), nullable=False),
    sa.Column('units', sa.JSON(), nullable=False),
    sa.Column('tier', sa.Integer(), nullable=True),
    sa.Column('chosen_eta_s', sa.Float(), nullable=True),
    sa.Column('best_eta_s', sa.Float(), nullable=True),
    sa.Column('actual_eta_s', sa.Float(), nullable=True),
    sa.Column('ring_met', sa.Boolean(), nullable=True),
    sa.Column('score', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_drill_results_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_results'))
    )
    with op.batch_alter_table('drill_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_results_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_drill_results_incident_id'), ['incident_id'], unique=False)


def downgrade() -> None:
    op.drop_table('drill_results')
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.drop_index('ix_positions_fix_time')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_drill'))
        batch_op.drop_column('drill')
