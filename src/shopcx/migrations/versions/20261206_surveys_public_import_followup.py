"""surveys: a public link per survey, imported and public responses (source, respondent id, address hash),
follow-up cases for detractors

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 15:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_token', sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_survey_public_token'), ['public_token'])
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=10), server_default='link', nullable=False))
        batch_op.add_column(sa.Column('respondent', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('address_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_survey_response_survey_id_respondent'),
                                          ['survey_id', 'respondent'])
        batch_op.create_check_constraint(batch_op.f('ck_survey_response_source'),
                                         "source IN ('link', 'public', 'import')")
        batch_op.create_index('ix_survey_response_address', ['address_hash', 'started_at'], unique=False)
    op.create_table('survey_followup',
    sa.Column('id', _ID, nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('response_id', _ID, nullable=False),
    sa.Column('customer_id', _ID, nullable=True),
    sa.Column('reason', sa.String(length=10), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("reason IN ('nps', 'csat', 'servqual')", name=op.f('ck_survey_followup_reason')),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_survey_followup_status')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_survey_followup_customer_id_customer'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['staff_user.id'], name=op.f('fk_survey_followup_owner_id_staff_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['response_id'], ['survey_response.id'], name=op.f('fk_survey_followup_response_id_survey_response'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_survey_followup_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_followup')),
    sa.UniqueConstraint('response_id', name=op.f('uq_survey_followup_response_id'))
    )
    with op.batch_alter_table('survey_followup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_followup_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_followup_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_survey_followup_shop_status', ['shop_id', 'status'], unique=False)


def downgrade() -> None:
    op.drop_table('survey_followup')
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_response_address')
        batch_op.drop_constraint(batch_op.f('ck_survey_response_source'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_survey_response_survey_id_respondent'), type_='unique')
        batch_op.drop_column('address_hash')
        batch_op.drop_column('respondent')
        batch_op.drop_column('source')
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_survey_public_token'), type_='unique')
        batch_op.drop_column('public_token')
