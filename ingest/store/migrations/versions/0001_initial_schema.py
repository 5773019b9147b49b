"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 01:23:05.482880
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('bot_state',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_number', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('first_tweet_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('author_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('author_username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('conversation_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.Column('has_personal_data', sa.Boolean(), nullable=False),
    sa.Column('supporters', sa.Integer(), nullable=False),
    sa.Column('mentions', sa.Integer(), nullable=False),
    sa.Column('acknowledgement', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('acknowledgement_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('first_tweet_id'),
    sa.UniqueConstraint('tracking_number')
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_created_at'), ['created_at'], unique=False)

    op.create_table('cursor',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('since_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('tweet_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_tweet_id'), ['tweet_id'], unique=False)

    op.create_table('gap',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('since_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('until_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('estimated_missing', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('recovered', sa.Integer(), nullable=False),
    sa.Column('detected_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('quarantine',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('raw_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('tweet_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('raw_json', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('raw_sha256')
    )
    op.create_table('tracking_counter',
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('period')
    )
    op.create_table('mention',
    sa.Column('tweet_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('author_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('author_username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('x_lang', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('conversation_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('in_reply_to_user_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('original_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('referenced_json', sa.Text(), nullable=False),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('link_reason', sa.Text(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('kind_confidence', sa.Float(), nullable=False),
    sa.Column('category_confidence', sa.Float(), nullable=False),
    sa.Column('reasons_json', sa.Text(), nullable=False),
    sa.Column('has_personal_data', sa.Boolean(), nullable=False),
    sa.Column('answerable', sa.Boolean(), nullable=False),
    sa.Column('raw_json', sa.Text(), nullable=False),
    sa.Column('fetched_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.PrimaryKeyConstraint('tweet_id')
    )
    with op.batch_alter_table('mention', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mention_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mention_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mention_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mention_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mention_original_id'), ['original_id'], unique=False)

    op.create_table('reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('in_reply_to_tweet_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('exclude_user_ids_json', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('posted_tweet_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('in_reply_to_tweet_id')
    )
    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reply_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reply_status'), ['status'], unique=False)



def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reply_status'))
        batch_op.drop_index(batch_op.f('ix_reply_complaint_id'))

    op.drop_table('reply')
    with op.batch_alter_table('mention', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mention_original_id'))
        batch_op.drop_index(batch_op.f('ix_mention_created_at'))
        batch_op.drop_index(batch_op.f('ix_mention_conversation_id'))
        batch_op.drop_index(batch_op.f('ix_mention_complaint_id'))
        batch_op.drop_index(batch_op.f('ix_mention_author_id'))

    op.drop_table('mention')
    op.drop_table('tracking_counter')
    op.drop_table('quarantine')
    op.drop_table('gap')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_tweet_id'))
        batch_op.drop_index(batch_op.f('ix_event_kind'))
        batch_op.drop_index(batch_op.f('ix_event_complaint_id'))
        batch_op.drop_index(batch_op.f('ix_event_at'))

    op.drop_table('event')
    op.drop_table('cursor')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_created_at'))
        batch_op.drop_index(batch_op.f('ix_complaint_conversation_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_author_id'))

    op.drop_table('complaint')
    op.drop_table('bot_state')
