"""The workflow of an intention (意愿): states, the steps allowed between them, and their labels.

Guards that need data (age bounds, subsidy limits, open objections, the 公示 end date) live in the
intentions service, which asks this module first whether the step exists at all.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Final

from fupin_desktop.domain.clock import chinese_date as chinese_date


class State(StrEnum):
    DRAFT = "DRAFT"
    REFERRED = "REFERRED"
    APPROVED = "APPROVED"
    IN_NOTICE = "IN_NOTICE"
    NOTICE_PASSED = "NOTICE_PASSED"
    SUBMITTED = "SUBMITTED"
    ENROLLED = "ENROLLED"
    COMPLETED = "COMPLETED"
    EMPLOYED = "EMPLOYED"
    RETURNED = "RETURNED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"
    OBJECTION_UPHELD = "OBJECTION_UPHELD"


STATE_LABELS: Final[dict[State, str]] = {
    State.DRAFT: "登记",
    State.REFERRED: "推荐",
    State.APPROVED: "审核通过",
    State.IN_NOTICE: "公示中",
    State.NOTICE_PASSED: "公示期满",
    State.SUBMITTED: "已上报",
    State.ENROLLED: "已录取/已参训",
    State.COMPLETED: "已结业/已毕业",
    State.EMPLOYED: "已就业",
    State.RETURNED: "退回",
    State.REJECTED: "不予通过",
    State.WITHDRAWN: "本人放弃",
    State.OBJECTION_UPHELD: "异议成立",
}

# What the user does to take each step (button and report wording).
ACTION_LABELS: Final[dict[State, str]] = {
    State.DRAFT: "重新登记",
    State.REFERRED: "推荐",
    State.APPROVED: "审核通过",
    State.IN_NOTICE: "列入公示",
    State.NOTICE_PASSED: "公示期满",
    State.SUBMITTED: "上报",
    State.ENROLLED: "录取/参训",
    State.COMPLETED: "结业/毕业",
    State.EMPLOYED: "就业",
    State.RETURNED: "退回",
    State.REJECTED: "不予通过",
    State.WITHDRAWN: "本人放弃",
    State.OBJECTION_UPHELD: "异议成立",
}

ALLOWED: Final[dict[State, frozenset[State]]] = {
    State.DRAFT: frozenset({State.REFERRED, State.WITHDRAWN}),
    State.REFERRED: frozenset({State.APPROVED, State.RETURNED, State.REJECTED, State.WITHDRAWN}),
    State.APPROVED: frozenset({State.IN_NOTICE, State.RETURNED, State.WITHDRAWN}),
    # An objection resolved as 更正 sends the person back to APPROVED for a new 公示.
    State.IN_NOTICE: frozenset({State.NOTICE_PASSED, State.OBJECTION_UPHELD, State.APPROVED, State.WITHDRAWN}),
    State.NOTICE_PASSED: frozenset({State.SUBMITTED, State.WITHDRAWN}),
    State.SUBMITTED: frozenset({State.ENROLLED, State.WITHDRAWN}),
    State.ENROLLED: frozenset({State.COMPLETED, State.WITHDRAWN}),
    State.COMPLETED: frozenset({State.EMPLOYED}),
    State.EMPLOYED: frozenset(),
    State.RETURNED: frozenset({State.DRAFT, State.REFERRED, State.WITHDRAWN}),
    State.REJECTED: frozenset(),
    State.WITHDRAWN: frozenset(),
    State.OBJECTION_UPHELD: frozenset(),
}

REASON_REQUIRED: Final = frozenset({State.RETURNED, State.REJECTED, State.WITHDRAWN, State.OBJECTION_UPHELD})

# States in which the intention is still "active": a second one of the same kind is refused.
ACTIVE: Final = frozenset(
    {
        State.DRAFT,
        State.REFERRED,
        State.APPROVED,
        State.IN_NOTICE,
        State.NOTICE_PASSED,
        State.SUBMITTED,
        State.ENROLLED,
        State.RETURNED,
    }
)
# From SUBMITTED on the record is part of a sealed sheet: its content is locked.
LOCKED: Final = frozenset({State.SUBMITTED, State.ENROLLED, State.COMPLETED, State.EMPLOYED})


def step_refusal(current: State, target: State, reason: str | None) -> str | None:
    """Why this step cannot be taken (Chinese), or None when the state machine allows it."""
    if target not in ALLOWED[current]:
        return f"当前状态为“{STATE_LABELS[current]}”，不能直接“{ACTION_LABELS[target]}”"
    if target in REASON_REQUIRED and not (reason and reason.strip()):
        return f"“{ACTION_LABELS[target]}”须填写原因"
    return None


def first_step_refusal(target: State) -> str | None:
    """Why an intention cannot begin in ``target`` (every intention begins as 登记), or None."""
    if target is not State.DRAFT:
        return f"意愿须从“{STATE_LABELS[State.DRAFT]}”开始，不能直接“{ACTION_LABELS[target]}”"
    return None


def state_fields(target: State, at: datetime, operator: str) -> dict[str, object]:
    """The intention's columns once it has taken a step to ``target`` at ``at``, by ``operator``."""
    return {
        "state": target.value,
        "state_changed_at": at,
        "locked": target in LOCKED,
        "updated_by": operator,
        "updated_at": at,
    }
