"""desk: when each running SLA clock reaches its warning share, so the inbox finds "breaching soon" tickets

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-06 20:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Left empty on existing rows: the warning time needs the shop's calendar, so the desk's periodic job
    # (sla.fill_warn_times) fills them within minutes of the upgrade, as does any recompute of a ticket's clocks.
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_warn_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('ticket_sla', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warn_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ticket_sla', schema=None) as batch_op:
        batch_op.drop_column('warn_at')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('next_warn_at')
