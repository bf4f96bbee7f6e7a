"""Who is typing, and when: the actor of every step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.timeutil import not_future, now, to_epoch

MAX_SHORT = 100


@dataclass(frozen=True)
class Actor:
    """Who is typing, and when the step happened."""

    by: str
    at: datetime
    late_reason: str | None = None  # why a step is recorded long after it happened (补录)

    @classmethod
    def make(
        cls,
        by: str,
        at: datetime | None,
        reference: datetime | None = None,
        late_reason: str | None = None,
    ) -> Actor:
        by = by.strip()
        if not by:
            raise InvalidInput("--by", "common.must_not_be_empty")
        if len(by) > MAX_SHORT:
            raise InvalidInput("--by", "actor.longer_than_characters", most=MAX_SHORT)
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in by):
            raise InvalidInput("--by", "common.contains_control_characters")
        if late_reason is not None:
            late_reason = late_reason.strip()
            if not late_reason or len(late_reason) > MAX_SHORT * 2:
                raise InvalidInput(
                    "--late-entry-reason",
                    "actor.must_be_to_characters_of_text",
                    value=MAX_SHORT * 2,
                )
            if any(ord(ch) < 32 or ord(ch) == 127 for ch in late_reason):
                raise InvalidInput("--late-entry-reason", "common.contains_control_characters")
        ref = reference or now()
        moment = not_future(at, ref) if at is not None else ref
        return cls(by=by, at=moment, late_reason=late_reason)

    @property
    def epoch(self) -> int:
        return to_epoch(self.at)
