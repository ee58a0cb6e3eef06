"""home at risk: today's list's customers newly at risk, kept per pair of finished analysis runs; the reviews
inbox's class index also by time (a class inside the revision window)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-08 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('home_at_risk',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('previous_run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('compute_ms', sa.Integer(), nullable=False),
    sa.Column('customers', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['analysis_run.id'],
                            name=op.f('fk_home_at_risk_run_id_analysis_run'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['previous_run_id'], ['analysis_run.id'],
                            name=op.f('fk_home_at_risk_previous_run_id_analysis_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_home_at_risk')),
    sa.UniqueConstraint('run_id', 'previous_run_id', name=op.f('uq_home_at_risk_run_id_previous_run_id'))
    )
    op.create_index(op.f('ix_home_at_risk_previous_run_id'), 'home_at_risk', ['previous_run_id'], unique=False)
    op.create_index('ix_review_rating_class_reviewed_at', 'review', ['rating_class', 'reviewed_at'], unique=False)
    op.drop_index('ix_review_rating_class', table_name='review')


def downgrade() -> None:
    op.create_index('ix_review_rating_class', 'review', ['rating_class'], unique=False)
    op.drop_index('ix_review_rating_class_reviewed_at', table_name='review')
    op.drop_index(op.f('ix_home_at_risk_previous_run_id'), table_name='home_at_risk')
    op.drop_table('home_at_risk')
