"""Sync state: field provenance, identity keys, the write ledger and recorded conflicts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.store.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "field_provenance",
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=128), nullable=False),
        sa.Column("system", sa.String(length=8), nullable=False),
        sa.Column("connection", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_field_provenance_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("person_id", "field", name=op.f("pk_field_provenance")),
    )
    op.create_table(
        "person_keys",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_person_keys_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("key", "person_id", name=op.f("pk_person_keys")),
    )
    op.create_index(op.f("ix_person_keys_person_id"), "person_keys", ["person_id"])
    op.create_table(
        "write_ledger",
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("connection", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("payload_hash", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("idempotency_key", name=op.f("pk_write_ledger")),
    )
    op.create_index(
        "ix_write_ledger_target", "write_ledger", ["connection", "object_type", "external_id"]
    )
    op.create_table(
        "sync_conflicts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=128), nullable=False),
        sa.Column("kept", sa.String(length=8), nullable=False),
        sa.Column("rejected", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflicts")),
    )
    op.create_index(op.f("ix_sync_conflicts_person_id"), "sync_conflicts", ["person_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sync_conflicts_person_id"), table_name="sync_conflicts")
    op.drop_table("sync_conflicts")
    op.drop_index("ix_write_ledger_target", table_name="write_ledger")
    op.drop_table("write_ledger")
    op.drop_index(op.f("ix_person_keys_person_id"), table_name="person_keys")
    op.drop_table("person_keys")
    op.drop_table("field_provenance")
