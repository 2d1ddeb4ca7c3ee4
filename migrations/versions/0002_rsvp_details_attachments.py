"""RSVP details (guests, names, waitlist order, manage links, reminders) and mail attachments

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 12:54:16.295787

Existing rows get defaults: no guests, names hidden, a random manage key per RSVP,
and waitlisted RSVPs keep their order by when they were last updated.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_guests', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('rsvp_closes_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('address_for_attendees', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('threshold_reached_at', sa.DateTime(), nullable=True))
        batch_op.create_check_constraint('max_guests_not_negative', 'max_guests >= 0')

    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachment_name', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('attachment_type', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('attachment', sa.Text(), nullable=False, server_default=''))

    with op.batch_alter_table('rsvp', schema=None) as batch_op:
        batch_op.add_column(sa.Column('show_name', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('waitlisted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('manage_key', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(), nullable=True))

    random_key = "md5(random()::text || id::text)" if op.get_bind().dialect.name == "postgresql" else "lower(hex(randomblob(16)))"
    op.execute(f"UPDATE rsvp SET manage_key = {random_key}")
    op.execute("UPDATE rsvp SET waitlisted_at = updated_at WHERE status = 'waitlisted'")
    with op.batch_alter_table('rsvp', schema=None) as batch_op:
        batch_op.alter_column('manage_key', existing_type=sa.String(length=32), nullable=False)


def downgrade():
    with op.batch_alter_table('rsvp', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('manage_key')
        batch_op.drop_column('waitlisted_at')
        batch_op.drop_column('show_name')

    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.drop_column('attachment')
        batch_op.drop_column('attachment_type')
        batch_op.drop_column('attachment_name')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint('max_guests_not_negative', type_='check')
        batch_op.drop_column('threshold_reached_at')
        batch_op.drop_column('address_for_attendees')
        batch_op.drop_column('rsvp_closes_at')
        batch_op.drop_column('max_guests')
