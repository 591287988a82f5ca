"""robots.txt cache: the last copy read from each site, with its validators

Revision ID: 0011_robots_txt
Revises: 0010_story_bands

Every crawl used to fetch each site's robots.txt again: a fifth of the
requests of a crawl of unchanged sites. The copy is kept here and reused
while fresh (crawl_robots_ttl_hours), then revalidated with a conditional GET.
A new table only.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_robots_txt'
down_revision = '0010_story_bands'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'robots_txt',
        sa.Column('site', sa.String(length=300), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.Column('etag', sa.String(length=300), nullable=True),
        sa.Column('last_modified', sa.String(length=100), nullable=True),
        sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('site', name=op.f('pk_robots_txt')),
    )


def downgrade() -> None:
    op.drop_table('robots_txt')
