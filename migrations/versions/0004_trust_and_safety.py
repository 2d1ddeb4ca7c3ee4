"""Trust and safety: guest answers waiting for proof, host invitations, signed-in
sessions, descriptions rendered when saved, mail categories, purgeable answers

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 19:56:48.983741

Existing descriptions are rendered here (eventsite.text has no app imports).
Downgrading drops purged answers (they have no person).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('person_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_session_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_session')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_person_session_key_hash'))
    )
    with op.batch_alter_table('person_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_session_person_id'), ['person_id'], unique=False)

    op.create_table('host_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('hand_over', sa.Boolean(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_host_invitation_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['person.id'], name=op.f('fk_host_invitation_invited_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_host_invitation_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_host_invitation')),
    sa.UniqueConstraint('event_id', 'person_id', name=op.f('uq_host_invitation_event_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_host_invitation_token_hash'))
    )
    with op.batch_alter_table('host_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_host_invitation_person_id'), ['person_id'], unique=False)

    op.create_table('pending_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('status', sa.Enum('going', 'maybe', 'not-going', 'waitlisted', name='rsvp_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('guests', sa.Integer(), nullable=False),
    sa.Column('show_name', sa.Boolean(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('held_places', sa.Integer(), nullable=False),
    sa.Column('held_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('guests >= 0', name=op.f('ck_pending_answer_guests_not_negative')),
    sa.CheckConstraint('held_places >= 0', name=op.f('ck_pending_answer_held_places_not_negative')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_pending_answer_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_answer')),
    sa.UniqueConstraint('event_id', 'email', name=op.f('uq_pending_answer_event_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_pending_answer_token_hash'))
    )
    with op.batch_alter_table('pending_answer', schema=None) as batch_op:
        batch_op.create_index('ix_pending_answer_event_id_held_until', ['event_id', 'held_until'], unique=False)

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description_html', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('summary', sa.String(length=300), nullable=False, server_default=''))

    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=32), nullable=False, server_default=''))
        batch_op.create_index('ix_outbox_mail_to_address_created_at', ['to_address', 'created_at'], unique=False)

    with op.batch_alter_table('rsvp', schema=None) as batch_op:
        batch_op.alter_column('person_id',
               existing_type=sa.INTEGER(),
               nullable=True)

    _render_descriptions()


def _render_descriptions():
    from eventsite.text import render_markdown, summary_text

    event = sa.table('event', sa.column('id', sa.Integer), sa.column('description', sa.Text),
                     sa.column('description_html', sa.Text), sa.column('summary', sa.String))
    bind = op.get_bind()
    rows = bind.execute(sa.select(event.c.id, event.c.description).where(event.c.description != '')).all()
    for event_id, description in rows:
        bind.execute(event.update().where(event.c.id == event_id).values(
            description_html=str(render_markdown(description)), summary=summary_text(description)))


def downgrade():
    op.execute("DELETE FROM rsvp WHERE person_id IS NULL")
    with op.batch_alter_table('rsvp', schema=None) as batch_op:
        batch_op.alter_column('person_id',
               existing_type=sa.INTEGER(),
               nullable=False)

    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_mail_to_address_created_at')
        batch_op.drop_column('category')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('summary')
        batch_op.drop_column('description_html')

    with op.batch_alter_table('pending_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_pending_answer_event_id_held_until')

    op.drop_table('pending_answer')
    with op.batch_alter_table('host_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_host_invitation_person_id'))

    op.drop_table('host_invitation')
    with op.batch_alter_table('person_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_session_person_id'))

    op.drop_table('person_session')
