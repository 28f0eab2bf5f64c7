"""Server-side sessions, sign-in events, removed editors, article authors, who decided and ratings.

- ``editor_sessions``: one row per signed-in browser (sign-out and account changes revoke them).
- ``sign_in_events``: every sign-in attempt (throttling and the notice shown at the next sign-in).
- ``editors.removed_at``; ``articles.author``.
- ``decisions.decided_by_id`` / ``decided_at`` (who confirmed or dismissed, and when; back-filled
  from the history) and ``decisions.rating`` / ``decision_history.rating`` (a rating an editor chose).

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_DECIDED = ("(SELECT h.{col} FROM decision_history h WHERE h.claim_id = decisions.claim_id "
            "AND h.action IN ('confirm', 'dismiss') ORDER BY h.id DESC LIMIT 1)")


def _create_sessions() -> None:
    op.create_table('editor_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=255), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['editor_id'], ['editors.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_editor_sessions_editor_id', 'editor_sessions', ['editor_id'], unique=False)


def _create_sign_in_events() -> None:
    op.create_table('sign_in_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['editor_id'], ['editors.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_sign_in_events_username_at', 'sign_in_events', ['username', 'at'], unique=False)
    op.create_index('ix_sign_in_events_client_at', 'sign_in_events', ['client', 'at'], unique=False)
    op.create_index('ix_sign_in_events_editor_id_at', 'sign_in_events', ['editor_id', 'at'], unique=False)


def upgrade() -> None:
    _create_sessions()
    _create_sign_in_events()
    op.add_column('editors', sa.Column('removed_at', sa.DateTime(), nullable=True))
    op.add_column('articles', sa.Column('author', sa.Text(), nullable=True))
    op.add_column('decision_history', sa.Column('rating', sa.String(length=32), nullable=True))
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('rating', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key('fk_decisions_decided_by_id_editors', 'editors', ['decided_by_id'], ['id'])
    op.execute(f"UPDATE decisions SET decided_by_id = {_DECIDED.format(col='editor_id')}, "
               f"decided_at = {_DECIDED.format(col='created_at')} WHERE status IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_decisions_decided_by_id_editors', type_='foreignkey')
        batch_op.drop_column('rating')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by_id')
    with op.batch_alter_table('decision_history', schema=None) as batch_op:
        batch_op.drop_column('rating')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('author')
    with op.batch_alter_table('editors', schema=None) as batch_op:
        batch_op.drop_column('removed_at')
    op.drop_table('sign_in_events')
    op.drop_table('editor_sessions')
