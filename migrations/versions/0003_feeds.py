"""Personal calendar feeds (a random key per person) and an index for the feeds' change check

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 13:35:00

Existing people get a random feed key each.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index('ix_event_updated_at', ['updated_at'], unique=False)

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feed_key', sa.String(length=32), nullable=True))

    random_key = "md5(random()::text || id::text)" if op.get_bind().dialect.name == "postgresql" else "lower(hex(randomblob(16)))"
    op.execute(f"UPDATE person SET feed_key = {random_key}")
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.alter_column('feed_key', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_person_feed_key'), ['feed_key'])


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_person_feed_key'), type_='unique')
        batch_op.drop_column('feed_key')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_updated_at')
