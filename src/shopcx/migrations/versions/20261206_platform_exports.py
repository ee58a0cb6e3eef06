"""platform exports: orders imported from an order-level report are marked as having no lines; a dry run into a
new shop keeps the shop it would create

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 12:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lines_missing', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('new_shop', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_column('new_shop')
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.drop_column('lines_missing')
