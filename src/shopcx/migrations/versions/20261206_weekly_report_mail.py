"""weekly report mail: one row per weekly report and staff recipient

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 19:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('weekly_report_mail',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('report_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['weekly_report.id'],
                            name=op.f('fk_weekly_report_mail_report_id_weekly_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'],
                            name=op.f('fk_weekly_report_mail_user_id_staff_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weekly_report_mail')),
    sa.UniqueConstraint('report_id', 'user_id', name=op.f('uq_weekly_report_mail_report_id_user_id'))
    )
    op.create_index(op.f('ix_weekly_report_mail_report_id'), 'weekly_report_mail', ['report_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_weekly_report_mail_report_id'), table_name='weekly_report_mail')
    op.drop_table('weekly_report_mail')
