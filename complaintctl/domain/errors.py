"""The core's own exceptions.  Only the CLI turns them into messages and exit codes.

Exit codes (documented in docs/operations.md):
  1  a refused domain step or a failed check (``DomainError``, ``IntegrityFailure``), or an
     import's worker process that stopped (``WorkerFailed``)
  2  bad input: a usage error naming the field (``InvalidInput``)
  4  the ledger cannot be used: not SQLite, damaged, locked, too new (``LedgerUnavailable``)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from complaintctl.domain.messages import Term


class ComplaintError(Exception):
    """Base of every error the core raises on purpose.

    It carries a key of the message catalogue (``domain/messages``) and the values to fill in,
    never a sentence: the CLI renders it in the chosen language with :meth:`render`.
    ``str(exc)`` is the English message, for logs and tests."""

    exit_code = 1

    def __init__(self, key: str, /, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(key)

    def render(self, lang: str = "zh") -> str:
        """The message in ``lang`` (``zh`` or ``en``)."""
        from complaintctl.domain.messages import render

        return render(self.key, self.params, lang)

    def __str__(self) -> str:
        return self.render("en")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its message and attributes (a worker process sends errors back)."""
        return (_restore, (type(self), str(self), dict(vars(self))))


def _restore(cls: type[ComplaintError], text: str, attributes: dict[str, Any]) -> ComplaintError:
    error = cls.__new__(cls)
    Exception.__init__(error, text)
    vars(error).update(attributes)
    return error


class InvalidInput(ComplaintError):
    """A value given by the user is not acceptable.  Names the field and, where it helps,
    the accepted values."""

    exit_code = 2

    def __init__(
        self,
        field: str,
        key: str,
        /,
        accepted: Iterable[str | Term] | None = None,
        **params: Any,
    ) -> None:
        self.field = field
        self.accepted = list(accepted) if accepted is not None else None
        super().__init__(key, **params)

    def render(self, lang: str = "zh") -> str:
        """``FIELD: message (accepted: a, b)`` in ``lang``; vocabulary values in that language."""
        from complaintctl.domain.messages import render

        message = render(self.key, self.params, lang)
        if self.accepted:
            message = render(
                "error.accepted", {"message": message, "accepted": self.accepted}, lang
            )
        return render("error.field", {"what": self.field, "message": message}, lang)


class NotFound(ComplaintError):
    """An id that names no complaint."""

    exit_code = 2


class DomainError(ComplaintError):
    """A step the workflow refuses (closing twice, reopening too late, ...)."""

    exit_code = 1


class CalendarError(ComplaintError):
    """A working-day question the calendar cannot answer, or a bad holiday notice."""

    exit_code = 2


class PolicyError(ComplaintError):
    """A policy file that does not validate."""

    exit_code = 2


class LedgerUnavailable(ComplaintError):
    """The ledger file cannot be opened or used (not SQLite, damaged, locked, newer version)."""

    exit_code = 4


class IntegrityFailure(ComplaintError):
    """verify found a difference between the event log and the stored state."""

    exit_code = 1


class WorkerFailed(ComplaintError):
    """An import's worker process stopped without finishing (killed, out of memory, a bug);
    the import was rolled back."""

    exit_code = 1
