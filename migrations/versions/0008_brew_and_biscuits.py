"""Brew and biscuits: the pool (members, sign-ups waiting for their link), venues stewards
suggest, rounds, and each pair's or trio's private meeting

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 04:02:14.857279

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pending_brew_signup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_brew_signup')),
    sa.UniqueConstraint('email', name=op.f('uq_pending_brew_signup_email')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_pending_brew_signup_token_hash'))
    )
    op.create_table('brew_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('eligible', sa.Integer(), nullable=False),
    sa.Column('pairs', sa.Integer(), nullable=False),
    sa.Column('trios', sa.Integer(), nullable=False),
    sa.Column('left_out', sa.Integer(), nullable=False),
    sa.Column('met', sa.Integer(), nullable=True),
    sa.Column('answered', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['started_by_id'], ['person.id'], name=op.f('fk_brew_round_started_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_brew_round'))
    )
    op.create_table('brew_venue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['place_id'], ['place.id'], name=op.f('fk_brew_venue_place_id_place'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_brew_venue'))
    )
    with op.batch_alter_table('brew_venue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_brew_venue_place_id'), ['place_id'], unique=False)

    op.create_table('brew_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('slots', sa.JSON(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('venue_name', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('is_online', sa.Boolean(), nullable=False),
    sa.Column('online_url', sa.String(length=500), nullable=False),
    sa.Column('agreed_slot', sa.Integer(), nullable=True),
    sa.Column('agreed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('sequence >= 0', name=op.f('ck_brew_group_sequence_not_negative')),
    sa.ForeignKeyConstraint(['place_id'], ['place.id'], name=op.f('fk_brew_group_place_id_place'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['brew_round.id'], name=op.f('fk_brew_group_round_id_brew_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_brew_group'))
    )
    with op.batch_alter_table('brew_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_brew_group_round_id'), ['round_id'], unique=False)

    op.create_table('brew_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('sector', sa.Enum('nhs-hospital', 'primary-care', 'community-health', 'social-care', 'housing', 'voluntary-community', 'public-health', 'patient-carer', 'other', name='brew_sector', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('organisation', sa.String(length=120), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('travels', sa.Boolean(), nullable=False),
    sa.Column('mode', sa.Enum('in-person', 'online', 'either', name='brew_mode', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('about', sa.String(length=300), nullable=False),
    sa.Column('interests', sa.JSON(), nullable=False),
    sa.Column('frequency', sa.Enum('every-round', 'monthly', 'every-few-months', name='brew_frequency', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('share_email', sa.Boolean(), nullable=False),
    sa.Column('excluded_emails', sa.JSON(), nullable=False),
    sa.Column('snoozed_until', sa.Date(), nullable=True),
    sa.Column('paused_at', sa.DateTime(), nullable=True),
    sa.Column('missed_rounds', sa.Integer(), nullable=False),
    sa.Column('owed', sa.Boolean(), nullable=False),
    sa.Column('last_matched_round_id', sa.Integer(), nullable=True),
    sa.Column('last_matched_at', sa.DateTime(), nullable=True),
    sa.Column('manage_key', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('missed_rounds >= 0', name=op.f('ck_brew_member_missed_rounds_not_negative')),
    sa.ForeignKeyConstraint(['last_matched_round_id'], ['brew_round.id'], name=op.f('fk_brew_member_last_matched_round_id_brew_round'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_brew_member_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['place_id'], ['place.id'], name=op.f('fk_brew_member_place_id_place'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_brew_member')),
    sa.UniqueConstraint('person_id', name=op.f('uq_brew_member_person_id'))
    )
    with op.batch_alter_table('brew_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_brew_member_place_id'), ['place_id'], unique=False)

    op.create_table('brew_group_member',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('accepted', sa.JSON(), nullable=False),
    sa.Column('met', sa.Enum('yes', 'not-yet', 'could-not', name='met_answer', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('followed_up_at', sa.DateTime(), nullable=True),
    sa.Column('sector', sa.Enum('nhs-hospital', 'primary-care', 'community-health', 'social-care', 'housing', 'voluntary-community', 'public-health', 'patient-carer', 'other', name='brew_sector', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['brew_group.id'], name=op.f('fk_brew_group_member_group_id_brew_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_brew_group_member_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'person_id', name=op.f('pk_brew_group_member'))
    )
    with op.batch_alter_table('brew_group_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_brew_group_member_person_id'), ['person_id'], unique=False)



def downgrade():
    with op.batch_alter_table('brew_group_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_brew_group_member_person_id'))

    op.drop_table('brew_group_member')
    with op.batch_alter_table('brew_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_brew_member_place_id'))

    op.drop_table('brew_member')
    with op.batch_alter_table('brew_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_brew_group_round_id'))

    op.drop_table('brew_group')
    with op.batch_alter_table('brew_venue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_brew_venue_place_id'))

    op.drop_table('brew_venue')
    op.drop_table('brew_round')
    op.drop_table('pending_brew_signup')
