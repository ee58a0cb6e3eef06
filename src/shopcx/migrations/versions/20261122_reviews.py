"""reviews: reviews, revisions, 追评, care cases and contacts, settings, reply templates

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 19:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('review_reply_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('rating_class', sa.String(length=8), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.CheckConstraint("rating_class IN ('good', 'neutral', 'bad')", name=op.f('ck_review_reply_template_rating_class')),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_review_reply_template_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_reply_template'))
    )
    with op.batch_alter_table('review_reply_template', schema=None) as batch_op:
        batch_op.create_index('ix_review_reply_template_shop_class', ['shop_id', 'rating_class'], unique=False)

    op.create_table('review_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('rating_days', sa.Integer(), nullable=False),
    sa.Column('revision_days', sa.Integer(), nullable=False),
    sa.Column('max_revisions', sa.Integer(), nullable=False),
    sa.Column('reply_allowed', sa.Boolean(), nullable=False),
    sa.Column('care_due_hours', sa.Integer(), nullable=False),
    sa.Column('followup_due_hours', sa.Integer(), nullable=False),
    sa.Column('benchmark_description', sa.Float(), nullable=True),
    sa.Column('benchmark_service', sa.Float(), nullable=True),
    sa.Column('benchmark_logistics', sa.Float(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.CheckConstraint('rating_days BETWEEN 1 AND 365', name=op.f('ck_review_settings_rating_days')),
    sa.CheckConstraint('revision_days BETWEEN 0 AND 365', name=op.f('ck_review_settings_revision_days')),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_review_settings_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_settings')),
    sa.UniqueConstraint('shop_id', 'platform', name=op.f('uq_review_settings_shop_id_platform'))
    )
    op.create_table('review',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_line_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('stars', sa.SmallInteger(), nullable=True),
    sa.Column('platform_class', sa.String(length=8), nullable=True),
    sa.Column('rating_class', sa.String(length=8), nullable=False),
    sa.Column('first_class', sa.String(length=8), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('dsr_description', sa.SmallInteger(), nullable=True),
    sa.Column('dsr_service', sa.SmallInteger(), nullable=True),
    sa.Column('dsr_logistics', sa.SmallInteger(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('image_urls', sa.JSON(), nullable=False),
    sa.Column('reviewer_name', sa.String(length=120), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=False),
    sa.Column('reply_text', sa.Text(), nullable=True),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replied_by_id', sa.Integer(), nullable=True),
    sa.Column('followup_text', sa.Text(), nullable=True),
    sa.Column('followup_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revision_count', sa.Integer(), nullable=False),
    sa.Column('polarity', sa.String(length=8), nullable=True),
    sa.Column('polarity_score', sa.Float(), nullable=True),
    sa.Column('aspects', sa.JSON(), nullable=False),
    sa.Column('hidden_negative', sa.Boolean(), nullable=False),
    sa.Column('analyzed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("first_class IN ('good', 'neutral', 'bad')", name=op.f('ck_review_first_class')),
    sa.CheckConstraint("rating_class IN ('good', 'neutral', 'bad')", name=op.f('ck_review_rating_class')),
    sa.CheckConstraint('dsr_description IS NULL OR (dsr_description BETWEEN 1 AND 5)', name=op.f('ck_review_dsr_description_range')),
    sa.CheckConstraint('dsr_logistics IS NULL OR (dsr_logistics BETWEEN 1 AND 5)', name=op.f('ck_review_dsr_logistics_range')),
    sa.CheckConstraint('dsr_service IS NULL OR (dsr_service BETWEEN 1 AND 5)', name=op.f('ck_review_dsr_service_range')),
    sa.CheckConstraint('stars IS NULL OR (stars BETWEEN 1 AND 5)', name=op.f('ck_review_stars_range')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_review_customer_id_customer'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'], name=op.f('fk_review_order_id_shop_order'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_line.id'], name=op.f('fk_review_order_line_id_order_line'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_review_product_id_product'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['replied_by_id'], ['staff_user.id'], name=op.f('fk_review_replied_by_id_staff_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_review_shop_id_shop')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review')),
    sa.UniqueConstraint('shop_id', 'platform', 'external_id', name=op.f('uq_review_shop_id_platform_external_id'))
    )
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.create_index('ix_review_customer_reviewed_at', ['customer_id', 'reviewed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_rating_class'), ['rating_class'], unique=False)
        batch_op.create_index('ix_review_shop_reviewed_on', ['shop_id', 'reviewed_on'], unique=False)

    op.create_table('review_case',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('review_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('driver', sa.String(length=20), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revision_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_contact_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('compensation_amount', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('care', 'followup')", name=op.f('ck_review_case_kind')),
    sa.CheckConstraint("status IN ('open', 'contacted', 'resolved', 'closed')", name=op.f('ck_review_case_status')),
    sa.CheckConstraint('compensation_amount IS NULL OR compensation_amount >= 0', name=op.f('ck_review_case_compensation_not_negative')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_review_case_customer_id_customer'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['staff_user.id'], name=op.f('fk_review_case_owner_id_staff_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_review_case_review_id_review'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_review_case_shop_id_shop')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_case')),
    sa.UniqueConstraint('review_id', name=op.f('uq_review_case_review_id'))
    )
    with op.batch_alter_table('review_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_case_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_case_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_review_case_shop_status', ['shop_id', 'status'], unique=False)

    op.create_table('review_followup',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('review_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('followed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_review_followup_review_id_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_followup'))
    )
    with op.batch_alter_table('review_followup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_followup_review_id'), ['review_id'], unique=False)

    op.create_table('review_contact',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('review_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['review_case.id'], name=op.f('fk_review_contact_case_id_review_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_review_contact_review_id_review'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], name=op.f('fk_review_contact_staff_id_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_contact'))
    )
    with op.batch_alter_table('review_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_contact_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_contact_review_id'), ['review_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_contact_staff_id'), ['staff_id'], unique=False)

    op.create_table('review_revision',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('review_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_class', sa.String(length=8), nullable=False),
    sa.Column('to_class', sa.String(length=8), nullable=False),
    sa.Column('from_stars', sa.SmallInteger(), nullable=True),
    sa.Column('to_stars', sa.SmallInteger(), nullable=True),
    sa.Column('previous_text', sa.Text(), nullable=True),
    sa.Column('revised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('contact_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['review_contact.id'], name=op.f('fk_review_revision_contact_id_review_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_review_revision_review_id_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_revision'))
    )
    with op.batch_alter_table('review_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_revision_review_id'), ['review_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('review_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_revision_review_id'))

    op.drop_table('review_revision')
    with op.batch_alter_table('review_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_contact_staff_id'))
        batch_op.drop_index(batch_op.f('ix_review_contact_review_id'))
        batch_op.drop_index(batch_op.f('ix_review_contact_case_id'))

    op.drop_table('review_contact')
    with op.batch_alter_table('review_followup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_followup_review_id'))

    op.drop_table('review_followup')
    with op.batch_alter_table('review_case', schema=None) as batch_op:
        batch_op.drop_index('ix_review_case_shop_status')
        batch_op.drop_index(batch_op.f('ix_review_case_owner_id'))
        batch_op.drop_index(batch_op.f('ix_review_case_customer_id'))

    op.drop_table('review_case')
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_index('ix_review_shop_reviewed_on')
        batch_op.drop_index(batch_op.f('ix_review_rating_class'))
        batch_op.drop_index(batch_op.f('ix_review_product_id'))
        batch_op.drop_index(batch_op.f('ix_review_order_id'))
        batch_op.drop_index('ix_review_customer_reviewed_at')

    op.drop_table('review')
    op.drop_table('review_settings')
    with op.batch_alter_table('review_reply_template', schema=None) as batch_op:
        batch_op.drop_index('ix_review_reply_template_shop_class')

    op.drop_table('review_reply_template')
