"""Identity resolution: the dedup review queue and the history of reversible hub merges.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.store.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dedup_review_pairs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pair_key", sa.String(length=80), nullable=False),
        sa.Column("person_a", sa.String(length=32), nullable=False),
        sa.Column("person_b", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("merge_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dedup_review_pairs")),
        sa.UniqueConstraint("pair_key", name=op.f("uq_dedup_review_pairs_pair_key")),
    )
    op.create_index(
        op.f("ix_dedup_review_pairs_person_a"), "dedup_review_pairs", ["person_a"], unique=False
    )
    op.create_index(
        op.f("ix_dedup_review_pairs_person_b"), "dedup_review_pairs", ["person_b"], unique=False
    )
    op.create_index(
        "ix_dedup_review_pairs_status", "dedup_review_pairs", ["status", "id"], unique=False
    )
    op.create_table(
        "person_merges",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("survivor_id", sa.String(length=32), nullable=False),
        sa.Column("absorbed_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("split_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_merges")),
    )
    op.create_index(
        op.f("ix_person_merges_survivor_id"), "person_merges", ["survivor_id"], unique=False
    )
    op.create_index(
        op.f("ix_person_merges_absorbed_id"), "person_merges", ["absorbed_id"], unique=False
    )
    op.create_index("ix_person_merges_created", "person_merges", ["created_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("person_merges")
    op.drop_table("dedup_review_pairs")
