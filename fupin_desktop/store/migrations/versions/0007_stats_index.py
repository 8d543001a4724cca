"""stats index: covering indexes for the 统计 page's aggregate queries

Revision ID: 0007_stats_index
Revises: 0006_ownership
Create Date: 2026-12-01 12:00:00

The page counts, per village, members by 劳动技能 and 务工状况, 两后生 candidates by education and birth
date, intentions by kind and registration time, and the first time each reached a workflow state.
The intention index leads with the person, not the kind: led by the kind, SQLite would read a
village's intentions by walking the whole county's of that kind. The member index keeps the id last:
with the id second, a township's "id IN (the people with a school wish)" became one seek per household
and per such person (1.5 s instead of 10 ms, bench_stats.py).
Each of these reads becomes a walk over one index holding every column it needs, instead of a table
row per member (benchmarks/bench_stats.py). Only indexes: nothing is rewritten, on either engine.
"""

from alembic import op

revision = "0007_stats_index"
down_revision = "0006_ownership"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_person_stats", "person", ["household_id", "labour", "employment", "id"]),
    ("ix_person_school_age", "person", ["education", "birth_date", "school_status", "household_id", "id"]),
    ("ix_household_village_cover", "household", ["village_id", "id"]),
    ("ix_household_id_village", "household", ["id", "village_id", "household_type", "status"]),
    ("ix_intention_person_kind", "intention", ["person_id", "kind", "created_at", "state"]),
    ("ix_intention_transition_course", "intention_transition", ["intention_id", "to_state", "at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
