"""Masking of personal data for lists, digests, reports and exports."""

from __future__ import annotations

import re

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


# Digits that look like a phone number inside typed text (a description that quotes one).
_PHONE_IN_TEXT = re.compile(r"(?<![\d-])(?:\d{3,4}-)?\d{7,}(?!\d)")


def mask_phones_in(text: str) -> str:
    """``text`` with every number that looks like a phone masked as lists mask phones."""
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)
