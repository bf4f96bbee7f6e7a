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
            raise InvalidInput("--by", "must not be empty")
        if len(by) > MAX_SHORT:
            raise InvalidInput("--by", f"longer than {MAX_SHORT} characters")
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in by):
            raise InvalidInput("--by", "contains control characters")
        if late_reason is not None:
            late_reason = late_reason.strip()
            if not late_reason or len(late_reason) > MAX_SHORT * 2:
                raise InvalidInput(
                    "--late-entry-reason", f"must be 1 to {MAX_SHORT * 2} characters of text"
                )
            if any(ord(ch) < 32 or ord(ch) == 127 for ch in late_reason):
                raise InvalidInput("--late-entry-reason", "contains control characters")
        ref = reference or now()
        moment = not_future(at, ref) if at is not None else ref
        return cls(by=by, at=moment, late_reason=late_reason)

    @property
    def epoch(self) -> int:
        return to_epoch(self.at)
