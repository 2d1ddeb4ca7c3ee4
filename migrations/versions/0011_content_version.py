"""Speed: one row whose number moves whenever anything a visitor can see changes (caches are
keyed by it), and addresses found by one index lookup whatever their case

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    content_version = op.create_table(
        'content_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_content_version')),
    )
    op.bulk_insert(content_version, [{'id': 1, 'number': 0}])
    op.create_index('ix_person_email_lower', 'person', [sa.text('lower(email)')])


def downgrade():
    op.drop_index('ix_person_email_lower', table_name='person')
    op.drop_table('content_version')
