"""Series: a repeat rule, its hosts and standing answers; a session is an event with a
series and the date its rule gave it

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 01:03:49.470627

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('rule', sa.String(length=200), nullable=False),
    sa.Column('first_date', sa.Date(), nullable=False),
    sa.Column('local_time', sa.Time(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('active', 'paused', 'ended', name='series_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('made_through', sa.Date(), nullable=True),
    sa.Column('renewed_at', sa.DateTime(), nullable=False),
    sa.Column('renewal_asked_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_series_duration_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_series_created_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_series'))
    )
    op.create_table('series_host',
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_series_host_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], name=op.f('fk_series_host_series_id_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('series_id', 'person_id', name=op.f('pk_series_host'))
    )
    with op.batch_alter_table('series_host', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_series_host_person_id'), ['person_id'], unique=False)

    op.create_table('standing_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('going', 'maybe', 'not-going', 'waitlisted', name='rsvp_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('guests', sa.Integer(), nullable=False),
    sa.Column('show_name', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('guests >= 0', name=op.f('ck_standing_answer_guests_not_negative')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_standing_answer_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], name=op.f('fk_standing_answer_series_id_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standing_answer')),
    sa.UniqueConstraint('series_id', 'person_id', name=op.f('uq_standing_answer_series_id'))
    )
    with op.batch_alter_table('standing_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_standing_answer_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('occurs_on', sa.Date(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_event_series_id'), ['series_id', 'occurs_on'])
        batch_op.create_foreign_key(batch_op.f('fk_event_series_id_series'), 'series', ['series_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_event_series_id_series'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_event_series_id'), type_='unique')
        batch_op.drop_column('occurs_on')
        batch_op.drop_column('series_id')

    with op.batch_alter_table('standing_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_standing_answer_person_id'))

    op.drop_table('standing_answer')
    with op.batch_alter_table('series_host', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_series_host_person_id'))

    op.drop_table('series_host')
    op.drop_table('series')
