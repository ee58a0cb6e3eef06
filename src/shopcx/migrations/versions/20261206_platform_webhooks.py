"""platform webhooks: shop country and an encrypted webhook key, order tax, webhook deliveries, E.164 phones

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-06 12:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('shop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('country', sa.String(length=2), server_default='CN', nullable=False))
        batch_op.alter_column('webhook_secret', existing_type=sa.String(length=128), type_=sa.String(length=512),
                              existing_nullable=True)
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tax_amount', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('taxes_included', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table('webhook_delivery',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('delivery_key', sa.String(length=160), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('object_type', sa.String(length=20), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=False),
    sa.Column('object_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('applied', sa.Boolean(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_webhook_delivery_customer_id_customer'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'], name=op.f('fk_webhook_delivery_order_id_shop_order'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_webhook_delivery_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery')),
    sa.UniqueConstraint('shop_id', 'delivery_key', name=op.f('uq_webhook_delivery_shop_id_delivery_key'))
    )
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_delivery_object', ['shop_id', 'object_type', 'object_id'], unique=False)
    _fill_countries()
    _phones_to_e164()


def _fill_countries() -> None:
    """Each existing shop's country from its currency or timezone (CNY → CN …)."""
    from shopcx.customers.rules import country_for

    bind = op.get_bind()
    for shop_id, currency, timezone in bind.execute(sa.text('SELECT id, currency, timezone FROM shop')).all():
        bind.execute(sa.text('UPDATE shop SET country = :c WHERE id = :i'),
                     {"c": country_for(currency, timezone), "i": shop_id})


def _phones_to_e164() -> None:
    """Stored phones in E.164 (as new ones are written), local numbers taken as the first shop's country's."""
    from shopcx.core.errors import InvalidInput
    from shopcx.customers.rules import normalize_phone

    bind = op.get_bind()
    region = bind.execute(sa.text('SELECT country FROM shop ORDER BY id LIMIT 1')).scalar() or 'CN'
    rows = bind.execute(sa.text('SELECT id, phone FROM customer WHERE phone IS NOT NULL')).all()
    changes = []
    for customer_id, phone in rows:
        try:
            normal = normalize_phone(phone, region=region)
        except InvalidInput:
            continue
        if normal and normal != phone:
            changes.append({"p": normal, "i": customer_id})
    if changes:
        bind.execute(sa.text('UPDATE customer SET phone = :p WHERE id = :i'), changes)


def downgrade() -> None:
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_delivery_object')
    op.drop_table('webhook_delivery')
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.drop_column('taxes_included')
        batch_op.drop_column('tax_amount')
    with op.batch_alter_table('shop', schema=None) as batch_op:
        batch_op.alter_column('webhook_secret', existing_type=sa.String(length=512), type_=sa.String(length=128),
                              existing_nullable=True)
        batch_op.drop_column('country')
