"""queue indexes: the review queue's order and open-status filter, the reply queue, recent posts; forward hand-over time

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 04:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index('ix_complaint_queue_order', 'complaint',
                    [sa.text('needs_review DESC'), sa.text('urgent DESC'), sa.text('(due_at IS NULL)'), 'due_at', 'id'],
                    unique=False)
    op.create_index('ix_complaint_status_due', 'complaint', ['status', 'due_at', 'needs_review', 'urgent'],
                    unique=False)
    op.add_column('forward', sa.Column('handed_over_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_index('ix_mention_reply_queue', 'mention', ['reply_state', 'created_at', 'tweet_id'], unique=False)
    op.create_index('ix_reply_status_updated', 'reply', ['status', 'updated_at'], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index('ix_reply_status_updated', table_name='reply')
    op.drop_index('ix_mention_reply_queue', table_name='mention')
    with op.batch_alter_table('forward', schema=None) as batch_op:
        batch_op.drop_column('handed_over_at')
    op.drop_index('ix_complaint_status_due', table_name='complaint')
    op.drop_index('ix_complaint_queue_order', table_name='complaint')
