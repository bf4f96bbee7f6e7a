"""Masking of personal data for lists, digests, reports and exports."""

from __future__ import annotations

ERASED = "(erased)"
NOT_GIVEN = "-"  # an imported register without the name or phone


def mask_phone(phone: str | None) -> str:
    """``13812345678`` -> ``138****5678``; landlines keep their area code and last four."""
    if phone is None:
        return ERASED
    if not phone:
        return NOT_GIVEN
    if len(phone) <= 7:
        return "*" * len(phone)
    head = phone.find("-") + 1 if "-" in phone[:5] else 3
    return phone[:head] + "****" + phone[-4:]


def mask_name(name: str | None) -> str:
    """``张三`` -> ``张*``; ``Li Lei`` -> ``L*****``."""
    if name is None:
        return ERASED
    if not name:
        return NOT_GIVEN
    if len(name) <= 1:
        return "*"
    return name[0] + "*" * (len(name) - 1)
