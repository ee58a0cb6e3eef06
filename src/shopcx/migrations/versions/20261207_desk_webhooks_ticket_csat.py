"""desk: outgoing webhook subscriptions and their delivery log; survey invitations name the ticket they rate

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('desk_webhook',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=512), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('pii', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_desk_webhook_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_webhook'))
    )
    with op.batch_alter_table('desk_webhook', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_webhook_shop_id'), ['shop_id'], unique=False)

    op.create_table('desk_webhook_delivery',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('webhook_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.BigInteger(), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.BigInteger(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['webhook_id'], ['desk_webhook.id'], name=op.f('fk_desk_webhook_delivery_webhook_id_desk_webhook'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_webhook_delivery')),
    sa.UniqueConstraint('webhook_id', 'event_id', name=op.f('uq_desk_webhook_delivery_webhook_id_event_id'))
    )
    with op.batch_alter_table('desk_webhook_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_webhook_delivery_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_desk_webhook_delivery_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_desk_webhook_delivery_webhook_id'), ['webhook_id'], unique=False)

    # Invitations made before this revision do not know their ticket (ticket_known false): the desk infers it for
    # them as it did (same buyer and order, answered after the close); every invitation made from now on says it.
    with op.batch_alter_table('survey_invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('ticket_known', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_survey_invitation_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_survey_invitation_ticket_id_ticket'), 'ticket', ['ticket_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('survey_invitation', schema=None) as batch_op:
        batch_op.alter_column('ticket_known', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('survey_invitation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_survey_invitation_ticket_id_ticket'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_survey_invitation_ticket_id'))
        batch_op.drop_column('ticket_known')
        batch_op.drop_column('ticket_id')
    with op.batch_alter_table('desk_webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_webhook_delivery_webhook_id'))
        batch_op.drop_index('ix_desk_webhook_delivery_due')
        batch_op.drop_index(batch_op.f('ix_desk_webhook_delivery_customer_id'))
    op.drop_table('desk_webhook_delivery')
    with op.batch_alter_table('desk_webhook', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_webhook_shop_id'))
    op.drop_table('desk_webhook')
