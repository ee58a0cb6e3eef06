"""dashboard and privacy: the owner's targets per figure, weekly reports; data requests, staff views of personal data, retention

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

    op.create_table('weekly_report',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('week_on', sa.Date(), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('built_by', sa.String(length=120), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_weekly_report_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weekly_report')),
    sa.UniqueConstraint('shop_id', 'week_on', name=op.f('uq_weekly_report_shop_id_week_on'))
    )
    with op.batch_alter_table('weekly_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weekly_report_shop_id'), ['shop_id'], unique=False)

    op.create_table('data_request',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('contact_masked', sa.String(length=80), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('code_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_by', sa.String(length=120), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.CheckConstraint("kind IN ('export', 'erase')", name=op.f('ck_data_request_kind')),
    sa.CheckConstraint("status IN ('unverified', 'open', 'done', 'refused')", name=op.f('ck_data_request_status')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_data_request_customer_id_customer'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_request'))
    )
    with op.batch_alter_table('data_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_request_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_request_status'), ['status'], unique=False)

    op.create_table('pii_view',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('fields', sa.String(length=80), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_pii_view_customer_id_customer'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pii_view'))
    )
    with op.batch_alter_table('pii_view', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pii_view_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pii_view_customer_id'), ['customer_id'], unique=False)

    op.create_table('privacy_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deadline_working_days', sa.Integer(), nullable=False),
    sa.Column('raw_rows_days', sa.Integer(), nullable=False),
    sa.Column('message_days', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_settings'))
    )


def downgrade() -> None:
    op.drop_table('privacy_settings')
    with op.batch_alter_table('pii_view', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pii_view_customer_id'))
        batch_op.drop_index(batch_op.f('ix_pii_view_at'))
    op.drop_table('pii_view')
    with op.batch_alter_table('data_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_request_status'))
        batch_op.drop_index(batch_op.f('ix_data_request_customer_id'))
    op.drop_table('data_request')
    with op.batch_alter_table('weekly_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weekly_report_shop_id'))
    op.drop_table('weekly_report')
    with op.batch_alter_table('figure_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_figure_target_shop_id'))
    op.drop_table('figure_target')
