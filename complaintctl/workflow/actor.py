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

    @classmethod
    def make(cls, by: str, at: datetime | None, reference: datetime | None = None) -> Actor:
        by = by.strip()
        if not by:
            raise InvalidInput("--by", "must not be empty")
        if len(by) > MAX_SHORT:
            raise InvalidInput("--by", f"longer than {MAX_SHORT} characters")
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in by):
            raise InvalidInput("--by", "contains control characters")
        ref = reference or now()
        return cls(by=by, at=not_future(at, ref) if at is not None else ref)

    @property
    def epoch(self) -> int:
        return to_epoch(self.at)
