"""Ideas that become gatherings: ideas, support (proven, or waiting for its emailed link),
date polls; events made from an idea or run again (invite-first), and "I went" on answers

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:46:37.385488

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idea',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('party', 'workshop', 'cinema-club', 'pub-coffee', 'online-session', 'walk', 'other', name='event_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('description_html', sa.Text(), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('is_online', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('unconfirmed', 'held', 'open', 'hidden', 'closed', name='idea_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('pending_email', sa.String(length=254), nullable=False),
    sa.Column('pending_name', sa.String(length=100), nullable=False),
    sa.Column('confirm_token_hash', sa.String(length=64), nullable=True),
    sa.Column('confirm_expires_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_activity_at', sa.DateTime(), nullable=False),
    sa.Column('would_come_count', sa.Integer(), nullable=False),
    sa.Column('could_host_count', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_idea_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['place_id'], ['place.id'], name=op.f('fk_idea_place_id_place')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idea')),
    sa.UniqueConstraint('confirm_token_hash', name=op.f('uq_idea_confirm_token_hash'))
    )
    with op.batch_alter_table('idea', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idea_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_idea_place_id'), ['place_id'], unique=False)
        batch_op.create_index('ix_idea_status_last_activity_at', ['status', 'last_activity_at'], unique=False)

    op.create_table('idea_support',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idea_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('would_come', sa.Boolean(), nullable=False),
    sa.Column('could_host', sa.Boolean(), nullable=False),
    sa.Column('show_name', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('would_come OR could_host', name=op.f('ck_idea_support_supports_somehow')),
    sa.ForeignKeyConstraint(['idea_id'], ['idea.id'], name=op.f('fk_idea_support_idea_id_idea'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_idea_support_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idea_support')),
    sa.UniqueConstraint('idea_id', 'person_id', name=op.f('uq_idea_support_idea_id'))
    )
    with op.batch_alter_table('idea_support', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idea_support_person_id'), ['person_id'], unique=False)

    op.create_table('idea_tag',
    sa.Column('idea_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['idea_id'], ['idea.id'], name=op.f('fk_idea_tag_idea_id_idea'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], name=op.f('fk_idea_tag_tag_id_tag'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('idea_id', 'tag_id', name=op.f('pk_idea_tag'))
    )
    with op.batch_alter_table('idea_tag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idea_tag_tag_id'), ['tag_id'], unique=False)

    op.create_table('pending_support',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idea_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('would_come', sa.Boolean(), nullable=False),
    sa.Column('could_host', sa.Boolean(), nullable=False),
    sa.Column('show_name', sa.Boolean(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['idea_id'], ['idea.id'], name=op.f('fk_pending_support_idea_id_idea'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_support')),
    sa.UniqueConstraint('idea_id', 'email', name=op.f('uq_pending_support_idea_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_pending_support_token_hash'))
    )
    op.create_table('poll_option',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idea_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_poll_option_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_poll_option_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['idea_id'], ['idea.id'], name=op.f('fk_poll_option_idea_id_idea'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_option')),
    sa.UniqueConstraint('idea_id', 'starts_at', name=op.f('uq_poll_option_idea_id'))
    )
    with op.batch_alter_table('poll_option', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_option_idea_id'), ['idea_id'], unique=False)

    op.create_table('again_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_again_request_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_again_request_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_again_request')),
    sa.UniqueConstraint('event_id', 'person_id', name=op.f('uq_again_request_event_id'))
    )
    with op.batch_alter_table('again_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_again_request_person_id'), ['person_id'], unique=False)

    op.create_table('poll_vote',
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.Enum('yes', 'if-need-be', 'no', name='poll_choice', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['option_id'], ['poll_option.id'], name=op.f('fk_poll_vote_option_id_poll_option'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_poll_vote_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('option_id', 'person_id', name=op.f('pk_poll_vote'))
    )
    with op.batch_alter_table('poll_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_vote_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idea_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('invited_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('again_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('public_from', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_event_again_of_id'), ['again_of_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_idea_id'), ['idea_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_public_from'), ['public_from'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_event_again_of_id_event'), 'event', ['again_of_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_event_idea_id_idea'), 'idea', ['idea_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('rsvp', schema=None) as batch_op:
        batch_op.add_column(sa.Column('went', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('followed_up_at', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('rsvp', schema=None) as batch_op:
        batch_op.drop_column('followed_up_at')
        batch_op.drop_column('went')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_event_idea_id_idea'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_event_again_of_id_event'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_event_public_from'))
        batch_op.drop_index(batch_op.f('ix_event_idea_id'))
        batch_op.drop_index(batch_op.f('ix_event_again_of_id'))
        batch_op.drop_column('public_from')
        batch_op.drop_column('again_of_id')
        batch_op.drop_column('invited_at')
        batch_op.drop_column('idea_id')

    with op.batch_alter_table('poll_vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_vote_person_id'))

    op.drop_table('poll_vote')
    with op.batch_alter_table('again_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_again_request_person_id'))

    op.drop_table('again_request')
    with op.batch_alter_table('poll_option', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_option_idea_id'))

    op.drop_table('poll_option')
    op.drop_table('pending_support')
    with op.batch_alter_table('idea_tag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idea_tag_tag_id'))

    op.drop_table('idea_tag')
    with op.batch_alter_table('idea_support', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idea_support_person_id'))

    op.drop_table('idea_support')
    with op.batch_alter_table('idea', schema=None) as batch_op:
        batch_op.drop_index('ix_idea_status_last_activity_at')
        batch_op.drop_index(batch_op.f('ix_idea_place_id'))
        batch_op.drop_index(batch_op.f('ix_idea_created_by_id'))

    op.drop_table('idea')
