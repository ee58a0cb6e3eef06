"""dashboard: the owner's targets per figure

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 15:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('figure_target',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=True),
    sa.Column('figure', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('set_by', sa.String(length=80), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_figure_target_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_figure_target')),
    sa.UniqueConstraint('scope', 'figure', name=op.f('uq_figure_target_scope_figure'))
    )
    with op.batch_alter_table('figure_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_figure_target_shop_id'), ['shop_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('figure_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_figure_target_shop_id'))
    op.drop_table('figure_target')
