"""replies: decisions per mention, follow-ups, opt-outs, usage

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 01:46:55.066125
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('opt_out',
    sa.Column('author_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('author_username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('tweet_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('author_id')
    )
    op.create_table('x_usage',
    sa.Column('day', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('reads', sa.Integer(), nullable=False),
    sa.Column('posts', sa.Integer(), nullable=False),
    sa.Column('posts_with_link', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('followup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('agency', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('reply_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.ForeignKeyConstraint(['reply_id'], ['reply.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('complaint_id', 'status')
    )
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followup_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followup_state'), ['state'], unique=False)

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))

    with op.batch_alter_table('mention', schema=None) as batch_op:
        # Mentions stored before this revision had their replies decided the old way.
        batch_op.add_column(sa.Column('reply_state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default='skipped'))
        batch_op.add_column(sa.Column('reply_reason', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_mention_reply_state'), ['reply_state'], unique=False)

    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.add_column(sa.Column('author_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('has_link', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('in_doubt', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_reply_author_id'), ['author_id'], unique=False)



def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reply_author_id'))
        batch_op.drop_column('in_doubt')
        batch_op.drop_column('has_link')
        batch_op.drop_column('author_id')

    with op.batch_alter_table('mention', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mention_reply_state'))
        batch_op.drop_column('reply_reason')
        batch_op.drop_column('reply_state')

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('agency')

    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followup_state'))
        batch_op.drop_index(batch_op.f('ix_followup_complaint_id'))

    op.drop_table('followup')
    op.drop_table('x_usage')
    op.drop_table('opt_out')
