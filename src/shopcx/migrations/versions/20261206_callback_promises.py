"""care/desk: a promise made during a VIP callback is kept in the desk's promise register, linked both ways

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 19:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('desk_promise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('origin_id', sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f('ix_desk_promise_origin'), ['origin', 'origin_id'], unique=False)
    with op.batch_alter_table('care_call_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('promise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_care_call_task_promise_id_desk_promise'), 'desk_promise',
                                    ['promise_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('care_call_task', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_care_call_task_promise_id_desk_promise'), type_='foreignkey')
        batch_op.drop_column('promise_id')
    with op.batch_alter_table('desk_promise', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_promise_origin'))
        batch_op.drop_column('origin_id')
        batch_op.drop_column('origin')
