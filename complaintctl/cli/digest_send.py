"""``digest --send``: the digest to the group robots of the notifications file (issue 19).
See docs/digest.md.  Messages are built in ``reports/robot_text.py`` and delivered by
``transfer/robots.py``; this module only joins them and says what failed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.messages import Msg, Term, text

if TYPE_CHECKING:
    from complaintctl.reports.digest import Found
    from complaintctl.reports.digest_text import Texts
    from complaintctl.store.ledger import Ledger
    from complaintctl.transfer.robots import Outcome, Robot

EXIT_NOT_DELIVERED = 5
_UNASSIGNED = ("未派单", "unassigned", "none")
_KIND = {"wecom": Term("WeCom", "企业微信"), "dingtalk": Term("DingTalk", "钉钉")}


@dataclass(frozen=True)
class Robots:
    """The notifications file's robots, each with the department it serves (None: 未派单)."""

    path: Path
    robots: list[tuple[Robot, str | None]]


def load(ledger: Ledger) -> Robots:
    """Read and check the notifications file before anything is queried or sent."""
    from complaintctl.reports.robot_text import ALL
    from complaintctl.transfer import robots

    path, found = robots.load()
    policy = ledger.policy()
    out: list[tuple[Robot, str | None]] = []
    for robot in found:
        value = robot.department
        if value == ALL or value.lower() in _UNASSIGNED:
            out.append((robot, ALL if value == ALL else None))
            continue
        from complaintctl.workflow.steps import department

        try:
            out.append((robot, department(policy, value)))
        except InvalidInput:
            raise InvalidInput(
                f"{path}: robot {robot.number}: department",
                "digest_send.unknown_department",
                accepted=[*policy.departments, "未派单", ALL],
                value=value,
            ) from None
    return Robots(path, out)


def plan(
    ledger: Ledger, found: Found, texts: Texts, configured: Robots, most: int | None = None
) -> tuple[list[tuple[Robot, list[tuple[str, str]]]], list[Msg]]:
    """Each robot's messages (at most ``most`` each), and the departments with something at
    risk that no robot receives (when there is no ``"*"`` robot)."""
    from complaintctl.reports import robot_text

    info = robot_text.details(ledger, found)
    wanted = {dept for _, dept in configured.robots}
    by_kind: dict[str, dict[str | None, list[tuple[str, str]]]] = {}
    out = []
    for robot, dept in configured.robots:
        if robot.kind not in by_kind:
            parts = robot_text.parts(found, texts, info, robot.kind, wanted)
            by_kind[robot.kind] = {
                p.department: robot_text.messages(p, robot.kind, texts.lang, most=most)
                for p in parts
            }
        out.append((robot, by_kind[robot.kind].get(dept, [])))
    missing = []
    if robot_text.ALL not in wanted:
        missing = [
            Msg(
                "digest_send.no_robot",
                {
                    "dept": s.department or "未派单",
                    "breached": s.breached,
                    "due_soon": s.due_soon,
                },
            )
            for s in found.sections()
            if s.department not in wanted
        ]
    return out, missing


def dry_run(
    messages: list[tuple[Robot, list[tuple[str, str]]]], missing: list[Msg], lang: str
) -> None:
    """What would be sent, URLs masked, secrets never shown; then what no robot would get."""
    from complaintctl.transfer.robots import masked

    for robot, msgs in messages:
        kind = _KIND.get(robot.kind, Term(robot.kind, robot.kind))
        typer.echo(
            text(
                "digest_send.dry_run_robot",
                lang,
                kind=kind,
                number=robot.number,
                dept=robot.department,
                url=masked(robot.url),
                count=len(msgs),
            )
        )
        for i, (_, body) in enumerate(msgs, 1):
            size = len(body.encode())
            typer.echo(text("digest_send.dry_run_message", lang, i=i, n=len(msgs), size=size))
            typer.echo(body)
    for one in missing:
        typer.echo(f"!! {text(one.key, lang, **one.params)}")


def send(messages: list[tuple[Robot, list[tuple[str, str]]]]) -> list[Outcome]:
    from complaintctl.transfer import robots

    return robots.sender().deliver(messages)


def failures(outcomes: list[Outcome], missing: list[Msg]) -> list[Msg]:
    """One line per group not (fully) reached."""
    lines = []
    for o in outcomes:
        if o.error is not None:
            said = {"robot": o.robot.label, "error": o.error, "sent": o.sent, "total": o.total}
            lines.append(Msg("digest_send.not_delivered", said))
    return lines + missing
