"""near-duplicate candidates: the LSH bands of each item's MinHash

Revision ID: 0010_story_bands
Revises: 0003

Items about the same story are found through their MinHash signature
(items.minhash, since 0002): two items that share one band are compared, and
grouped into a story when similar enough. The bands live in their own
indexed table so that any crawl process finds a new item's candidates with
one query. A new table only: `items` is not rebuilt, so the full-text
triggers of 0003 are untouched.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_story_bands'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'story_bands',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('band', sa.BigInteger(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_story_bands_item_id_items'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_story_bands')),
    )
    with op.batch_alter_table('story_bands', schema=None) as batch_op:
        batch_op.create_index('ix_story_bands_band', ['band'], unique=False)
        batch_op.create_index(batch_op.f('ix_story_bands_item_id'), ['item_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('story_bands', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_story_bands_item_id'))
        batch_op.drop_index('ix_story_bands_band')
    op.drop_table('story_bands')
