"""Every key of a policy refuses its bad values at ``policy load`` with one line naming the
key, and nothing is stored (issue 13, item 3): a policy that loads keeps the ledger usable."""

from __future__ import annotations

from pathlib import Path

import pytest

from complaintctl.domain.errors import PolicyError
from complaintctl.sla.policy import DEFAULT_POLICY_TOML, parse_policy


def _swap(old: str, new: str) -> str:
    assert old in DEFAULT_POLICY_TOML, old
    return DEFAULT_POLICY_TOML.replace(old, new, 1)


def _add(section: str, line: str) -> str:
    return _swap(f"[{section}]", f"[{section}]\n{line}")


CASES = [
    (_swap('name = "seed-000 default"', "name = 5"), "name", "expected a non-empty string"),
    (_swap('name = "seed-000 default"', 'name = " "'), "name", "expected a non-empty string"),
    (_swap("[limits.unclassified]", "[limits.urgent]"), "limits.urgent", "unknown severity"),
    (_swap("[limits.major]", "[limits.maj]"), "limits.maj", "unknown severity"),
    (_add("limits.minor", 'answer = "1h"'), "limits.minor.answer", "unknown milestone"),
    (_swap('respond = "15m"', 'respond = "0m"'), "limits.major.respond", "at least 1"),
    (_swap('respond = "15m"', 'respond = "-15m"'), "limits.major.respond", "at least 1"),
    (_swap('respond = "15m"', 'respond = "15s"'), "limits.major.respond", "cannot read"),
    (_swap('respond = "15m"', "respond = 15"), "limits.major.respond", "expected a duration"),
    (_swap('resolve = "10wd"', 'resolve = "400wd"'), "limits.major.resolve", "longer than a year"),
    (_swap('resolve = "10wd"', 'resolve = "367d"'), "limits.major.resolve", "longer than a year"),
    (_swap('update = "24h"', 'update = "1wd"'), "limits.major.update", "must be in m or h"),
    (_swap('plan = "1wd"\nresolve = "10wd"', 'plan = "1wd"'), "limits.major.resolve", "missing"),
    (_swap('online = "1h"', 'fax = "1h"'), "channels.fax", "unknown channel"),
    (_swap('online = "1h"', 'online = "0h"'), "channels.online", "at least 1"),
    (_swap('letter = "2wd"', 'letter = "2 weeks"'), "channels.letter", "cannot read"),
    (_swap('reconsideration = "7d"', 'reconsideration = "0d"'), "windows.reconsideration",
     "at least 1"),
    (_swap('reconsideration = "7d"', 'reconsideration = "7y"'), "windows.reconsideration",
     "cannot read"),
    (_swap("warning_fraction = 0.25", "warning_fraction = 0"), "windows.warning_fraction",
     "between 0 and 1"),
    (_swap("warning_fraction = 0.25", "warning_fraction = 1.5"), "windows.warning_fraction",
     "between 0 and 1"),
    (_swap('day_ends_at = "24:00"', 'day_ends_at = "00:00"'), "windows.day_ends_at",
     'not a time after "00:00"'),
    (_swap('day_ends_at = "24:00"', 'day_ends_at = "0:00"'), "windows.day_ends_at",
     'not a time after "00:00"'),
    (_swap('day_ends_at = "24:00"', 'day_ends_at = "24:30"'), "windows.day_ends_at",
     'at most "24:00"'),
    (_swap('day_ends_at = "24:00"', 'day_ends_at = "18:60"'), "windows.day_ends_at",
     'at most "24:00"'),
    (_swap('day_ends_at = "24:00"', 'day_ends_at = "6pm"'), "windows.day_ends_at",
     'expected "HH:MM"'),
    (_swap('day_ends_at = "24:00"', "day_ends_at = 18:00:00"), "windows.day_ends_at",
     'expected "HH:MM"'),
    (_swap("retention_years = 3", "retention_years = 0"), "windows.retention_years", ">= 1"),
    (_swap("retention_years = 3", "retention_years = 1000"), "windows.retention_years", "1..100"),
    (_add("windows", "warning_fracton = 0.3"), "windows.warning_fracton", "unknown key"),
    (_swap("unresolved_months = 1", "unresolved_months = 0"), "escalation.unresolved_months",
     ">= 1"),
    (_swap("collective_units = 5", "collective_units = 1"), "escalation.collective_units", ">= 2"),
    (_swap('collective_window = "7d"', 'collective_window = "-7d"'),
     "escalation.collective_window", "at least 1"),
    (_swap("reopen_limit = 2", 'reopen_limit = "2"'), "escalation.reopen_limit", ">= 1"),
    (_add("escalation", "reopen_limits = 3"), "escalation.reopen_limits", "unknown key"),
    (_swap('"其他"]\ndepartments', '"其他", "其他"]\ndepartments'), "lists.categories",
     "listed twice"),
    (_swap('departments = ["客服部"', 'departments = [""'), "lists.departments", "non-empty"),
    (_add("lists", 'units = ["1栋"]'), "lists.units", "unknown key"),
    (_add("aliases", 'lawn = "草坪"'), "aliases.lawn", "neither in lists.categories"),
    (_add("aliases", "lawn = 3"), "aliases", "expected a table"),
    (DEFAULT_POLICY_TOML + "\n[holidays]\nx = 1\n", "policy", "unknown section 'holidays'"),
]  # fmt: skip


@pytest.mark.backends  # loading a policy writes the ledger
@pytest.mark.usefixtures("english")  # the English wording of messages
@pytest.mark.parametrize(("text", "key", "words"), CASES)
def test_each_bad_value_is_refused_naming_its_key(
    run, tmp_path: Path, text: str, key: str, words: str
) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text)
    message = str(caught.value)
    assert message.startswith(f"{key}: ") or message.startswith(f"{key} "), message
    assert words in message
    assert "\n" not in message
    # policy load says the same in one line, exits 2 and stores nothing
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    result = run("policy", "load", str(path))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"complaintctl: {message}\n"
    assert run.json("policy", "show")["version"] == 0


@pytest.mark.backends
@pytest.mark.usefixtures("english")  # the English wording of messages
def test_the_cli_refuses_a_day_that_ends_at_midnight_and_stays_usable(
    run, register, tmp_path: Path
):
    path = tmp_path / "p.toml"
    for ends in ("00:00", "0:00"):
        path.write_text(_swap('day_ends_at = "24:00"', f'day_ends_at = "{ends}"'), "utf-8")
        result = run("policy", "load", str(path))
        assert result.exit_code == 2
        assert result.stderr == (
            f"complaintctl: windows.day_ends_at: '{ends}' is not a time after \"00:00\" and at "
            'most "24:00" (a day that ends at its start has no time in it)\n'
        )
    assert run.json("policy", "show")["version"] == 0
    cid = register(severity="minor", at="2026-02-27 10:00")
    assert run.ok("calendar", "due", "2026-02-27 10:00", "3wd") == "2026-03-03 24:00\n"
    # a closing time that is valid ends working-day periods at the close of business
    path.write_text(_swap('day_ends_at = "24:00"', 'day_ends_at = "18:00"'), "utf-8")
    assert run.ok("policy", "load", str(path)) == "policy version 1 loaded: seed-000 default\n"
    assert run.ok("calendar", "due", "2026-02-27 10:00", "3wd") == "2026-03-03 18:00\n"
    assert run.json("policy", "show")["day_ends_at"] == "18:00"
    assert cid == 1


def test_the_default_and_every_bound_are_accepted() -> None:
    assert parse_policy(DEFAULT_POLICY_TOML).day_ends_at is None
    edge = _swap('day_ends_at = "24:00"', 'day_ends_at = "00:01"')
    edge = edge.replace('resolve = "10wd"', 'resolve = "260wd"')
    policy = parse_policy(edge)
    assert str(policy.limit("major", "resolve")) == "260wd"
    assert policy.day_ends_at is not None and policy.day_ends_at.minute == 1
    # a version stored before these checks still reads (strict=False)
    old = _add("windows", "warning_fracton = 0.3").replace('resolve = "10wd"', 'resolve = "400wd"')
    assert str(parse_policy(old, strict=False).limit("major", "resolve")) == "400wd"
