"""order: the source platform's own last-modified time (decides whether a re-sent order may change its figures)

Revision ID: 0008
Revises: 0010
Create Date: 2026-12-06 12:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_updated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.drop_column('source_updated_at')
