"""privacy: an export with unmasked contacts is one PII view naming the export and how many customers it carried

Revision ID: 0030
Revises: 0028
Create Date: 2026-12-07 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pii_view', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customers', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pii_view', schema=None) as batch_op:
        batch_op.drop_column('customers')
