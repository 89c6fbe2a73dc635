"""incident outcomes (rescued, property recovered, mediated, accident on scene) and commendations

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa
import db.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rescued', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('property_recovered_cny', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('mediated', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('accident_on_scene', sa.Boolean(), nullable=True))

    op.create_table('commendations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_commendations_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commendations'))
    )
    with op.batch_alter_table('commendations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commendations_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_commendations_unit_id'), ['unit_id'], unique=False)


def downgrade() -> None:
    op.drop_table('commendations')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_column('accident_on_scene')
        batch_op.drop_column('mediated')
        batch_op.drop_column('property_recovered_cny')
        batch_op.drop_column('rescued')
