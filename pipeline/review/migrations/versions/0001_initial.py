"""Initial review schema: runs, articles, claims, decisions and their history, editors.

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 07:51:02.169730
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    _create_app_settings_editors()
    _create_articles_run_errors()
    _create_claims()
    _create_run_articles_decision_history()


def _create_app_settings_editors() -> None:
    """Tables app_settings, editors, runs, in dependency order."""
    op.create_table('app_settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('editors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=True),
    sa.Column('overlays', sa.JSON(), nullable=False),
    sa.Column('n_articles', sa.Integer(), nullable=False),
    sa.Column('n_claims', sa.Integer(), nullable=False),
    sa.Column('n_flagged', sa.Integer(), nullable=False),
    sa.Column('n_errors', sa.Integer(), nullable=False),
    sa.Column('n_changed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def _create_articles_run_errors() -> None:
    """Tables articles, run_errors, in dependency order."""
    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=1000), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('date', sa.String(length=64), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('site', sa.String(length=255), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('boilerplate', sa.JSON(), nullable=False),
    sa.Column('n_claims', sa.Integer(), nullable=False),
    sa.Column('n_flagged', sa.Integer(), nullable=False),
    sa.Column('first_run_id', sa.Integer(), nullable=False),
    sa.Column('last_run_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['first_run_id'], ['runs.id'], ),
    sa.ForeignKeyConstraint(['last_run_id'], ['runs.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_articles_last_run_id'), ['last_run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_articles_site'), ['site'], unique=False)

    op.create_table('run_errors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.Text(), nullable=True),
    sa.Column('row', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('run_errors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_errors_run_id'), ['run_id'], unique=False)


def _create_claims() -> None:
    """Tables claims, in dependency order."""
    op.create_table('claims',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('sentence', sa.Text(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('subtype', sa.String(length=64), nullable=True),
    sa.Column('drug_id', sa.String(length=255), nullable=True),
    sa.Column('drug_name', sa.String(length=255), nullable=True),
    sa.Column('condition_id', sa.String(length=255), nullable=True),
    sa.Column('condition_name', sa.String(length=255), nullable=True),
    sa.Column('verdict', sa.String(length=32), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('suggestion', sa.Text(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('verdict_key', sa.String(length=255), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('first_run_id', sa.Integer(), nullable=False),
    sa.Column('last_run_id', sa.Integer(), nullable=False),
    sa.Column('verdict_changed_run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['first_run_id'], ['runs.id'], ),
    sa.ForeignKeyConstraint(['last_run_id'], ['runs.id'], ),
    sa.ForeignKeyConstraint(['verdict_changed_run_id'], ['runs.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claims_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_condition_id'), ['condition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_drug_id'), ['drug_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_flagged'), ['flagged'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_verdict'), ['verdict'], unique=False)


def _create_run_articles_decision_history() -> None:
    """Tables run_articles, decision_history, decisions, in dependency order."""
    op.create_table('run_articles',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('n_claims', sa.Integer(), nullable=False),
    sa.Column('n_flagged', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'article_id')
    )
    op.create_table('decision_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.String(length=64), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('edited_wording', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('reference_entry', sa.String(length=255), nullable=True),
    sa.Column('correction', sa.JSON(), nullable=True),
    sa.Column('verdict_key', sa.String(length=255), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['editor_id'], ['editors.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('decision_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_history_claim_id'), ['claim_id'], unique=False)

    op.create_table('decisions',
    sa.Column('claim_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('edited_wording', sa.Text(), nullable=True),
    sa.Column('editor_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('verdict_key', sa.String(length=255), nullable=False),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['editor_id'], ['editors.id'], ),
    sa.PrimaryKeyConstraint('claim_id')
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_status'))

    op.drop_table('decisions')
    with op.batch_alter_table('decision_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_history_claim_id'))

    op.drop_table('decision_history')
    op.drop_table('run_articles')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claims_verdict'))
        batch_op.drop_index(batch_op.f('ix_claims_flagged'))
        batch_op.drop_index(batch_op.f('ix_claims_drug_id'))
        batch_op.drop_index(batch_op.f('ix_claims_condition_id'))
        batch_op.drop_index(batch_op.f('ix_claims_article_id'))

    op.drop_table('claims')
    with op.batch_alter_table('run_errors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_errors_run_id'))

    op.drop_table('run_errors')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_articles_site'))
        batch_op.drop_index(batch_op.f('ix_articles_last_run_id'))

    op.drop_table('articles')
    op.drop_table('runs')
    op.drop_table('editors')
    op.drop_table('app_settings')
