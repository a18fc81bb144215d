"""Transition rules: record states, the decision log and the rule actions to execute.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.store.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_states",
        sa.Column("connection", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "connection", "object_type", "external_id", name=op.f("pk_record_states")
        ),
    )
    op.create_index(
        op.f("ix_record_states_person_id"), "record_states", ["person_id"], unique=False
    )
    op.create_table(
        "rule_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("pair", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("trigger", sa.String(length=64), nullable=False),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.Column("rule", sa.String(length=128), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("matched", sa.JSON(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("dropped", sa.JSON(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_decisions")),
    )
    op.create_index(
        "ix_rule_decisions_person_at", "rule_decisions", ["person_id", "at"], unique=False
    )
    op.create_table(
        "rule_actions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["rule_decisions.id"],
            name=op.f("fk_rule_actions_decision_id_rule_decisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_actions")),
    )
    op.create_index(
        op.f("ix_rule_actions_decision_id"), "rule_actions", ["decision_id"], unique=False
    )
    op.create_index(
        op.f("ix_rule_actions_person_id"), "rule_actions", ["person_id"], unique=False
    )
    op.create_index("ix_rule_actions_status", "rule_actions", ["status", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("rule_actions")
    op.drop_table("rule_decisions")
    op.drop_table("record_states")
