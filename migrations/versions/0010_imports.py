"""Imports: the calendars people import gatherings from, what each brought in (by the source's
UID), and fetched calendars waiting for their importer to choose

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 07:28:32.164728

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('keep_in_sync', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('place', sa.String(length=80), nullable=False),
    sa.Column('etag', sa.String(length=200), nullable=False),
    sa.Column('last_modified', sa.String(length=100), nullable=False),
    sa.Column('last_checked_at', sa.DateTime(), nullable=True),
    sa.Column('last_ok_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_import_source_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_source')),
    sa.UniqueConstraint('person_id', 'url', name=op.f('uq_import_source_person_id'))
    )
    with op.batch_alter_table('import_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_source_person_id'), ['person_id'], unique=False)

    op.create_table('pending_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('keep_in_sync', sa.Boolean(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('etag', sa.String(length=200), nullable=False),
    sa.Column('last_modified', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_pending_import_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_import'))
    )
    with op.batch_alter_table('pending_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_import_person_id'), ['person_id'], unique=False)

    op.create_table('imported_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=255), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_imported_item_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], name=op.f('fk_imported_item_series_id_series'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['import_source.id'], name=op.f('fk_imported_item_source_id_import_source'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_item')),
    sa.UniqueConstraint('source_id', 'uid', name=op.f('uq_imported_item_source_id'))
    )
    with op.batch_alter_table('imported_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_imported_item_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_imported_item_series_id'), ['series_id'], unique=False)



def downgrade():
    with op.batch_alter_table('imported_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_imported_item_series_id'))
        batch_op.drop_index(batch_op.f('ix_imported_item_event_id'))

    op.drop_table('imported_item')
    with op.batch_alter_table('pending_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_import_person_id'))

    op.drop_table('pending_import')
    with op.batch_alter_table('import_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_source_person_id'))

    op.drop_table('import_source')
