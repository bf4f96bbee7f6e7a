"""Build a realistic synthetic ledger quickly, through the real data model.

    python bench/generate.py bench/out/ledger.db --complaints 1000000 --open 100000 [--verify]

Complaints arrive over ``--months`` months ending at ``--end`` (default: now), more on working
days, in office hours and in summer.  Each gets a full history as the workflow would record
it: registered (65% with a severity, the rest classified within 30 minutes), assigned,
contacted, a plan and
progress notes on the ``update`` clock for moderate and major ones, some escalated or
extended, resolved (about 87% on time), followed up (most), a few reopened by 复议 and resolved
again.

Events are built exactly as ``workflow`` builds them (``workflow.deadlines`` for deadlines, the
same data fields), folded with ``model.apply`` and chained on their site's chain as
``Writer.append`` chains them (store/chain.py: position and number within the site); they
are written in time order (``seq`` follows ``at``, as in a live ledger, ``recorded_at = at``)
with ``executemany``, one transaction per ``--chunk`` complaints, so memory stays bounded by
the complaints in flight.  ``--workers N`` (default: cores - 1) builds the complaints in N forked
processes while this one orders, chains and writes their events; the ledger is the same for
any N (each batch of 2,000 complaints has its own seeded random stream).

``--open K`` leaves K complaints open at the end: 90% the most recent ones, 10% stuck older
ones.  Without it, only complaints whose history runs past ``--end`` are open.

``--sites N`` spreads the complaints over N sites (项目) ``S01`` .. ``SNN``, added as ``site add``
adds them (a ``sites`` row and a ``site_added`` event each, before the first complaint): the
arrivals are dealt to the sites in turn, so each site gets an equal share over the whole
period, numbered 1.. within the site (keys from ``domain.sites.key``); ``--open K`` then
leaves K open in each site.  Without it (or with 1) every complaint is in the first site,
MAIN, as before.

``--verify`` then re-checks the whole hash chain and refolds a sample of complaints from their
events with ``apply`` against the stored rows (``complaintctl verify`` checks them all).
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import json
import multiprocessing
import os
import random
import resource
import sys
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from complaintctl.domain import sites  # noqa: E402
from complaintctl.domain.model import COLUMNS, Complaint, Event, apply  # noqa: E402
from complaintctl.domain.sites import FIRST, STRIDE, site_of  # noqa: E402
from complaintctl.domain.timeutil import CST, from_epoch, parse_time, to_epoch  # noqa: E402
from complaintctl.domain.vocab import MILESTONES, OPEN_STATUSES  # noqa: E402
from complaintctl.sla.policy import Policy  # noqa: E402
from complaintctl.store import chain as integrity
from complaintctl.store import textindex
from complaintctl.store.ledger import Ledger  # noqa: E402
from complaintctl.time.deadlines import due_at, extend, parse_duration  # noqa: E402
from complaintctl.workflow import steps as workflow  # noqa: E402

HOUR = 3600
DAY = 86400

# -- the mix ----------------------------------------------------------------------------------
SEVERITY_MIX = (("minor", 70), ("moderate", 25), ("major", 5))
CHANNEL_MIX = (
    ("phone", 55),
    ("visit", 18),
    ("online", 20),
    ("letter", 2),
    ("relay", 4),
    ("other", 1),
)
NATURE_MIX = (("valid", 80), ("assist", 10), ("excessive", 6), ("no_fault", 4))

# category -> (weight, department, descriptions)
CATEGORIES: dict[str, tuple[int, str, tuple[str, ...]]] = {
    "设施设备": (
        30,
        "工程部",
        (
            "电梯故障停运",
            "楼道灯不亮",
            "水管漏水",
            "门禁失灵",
            "下水道堵塞",
            "地下车库照明不足",
            "消防栓箱门损坏",
        ),
    ),
    "环境卫生": (15, "保洁部", ("垃圾未及时清运", "楼道有异味", "电梯轿厢脏乱", "垃圾桶满溢")),
    "安全秩序": (
        12,
        "秩序维护部",
        ("车辆占用消防通道", "外来人员随意进出", "夜间噪音扰民", "高空抛物"),
    ),
    "服务质量": (10, "客服部", ("报修无人跟进", "工单拖延未处理", "维修后问题复发")),
    "服务态度": (6, "客服部", ("前台人员态度生硬", "电话无人接听")),
    "收费": (7, "财务部", ("物业费账单有误", "停车费标准不清", "公摊水电费异常")),
    "绿化": (5, "绿化部", ("树枝遮挡窗户", "草坪长期未修剪", "绿化带积水")),
    "装修": (6, "秩序维护部", ("邻居装修时间违规", "装修垃圾堆放楼道")),
    "邻里纠纷": (6, "客服部", ("楼上漏水协商不成", "宠物扰民")),
    "其他": (3, "客服部", ("快递柜故障", "建议增设充电桩")),
}
LOCATIONS = (
    "{b}号楼电梯",
    "{b}号楼{u}单元楼道",
    "地下车库B{g}",
    "{b}号楼大堂",
    "小区东门",
    "中心花园",
    "{b}号楼楼顶",
    "垃圾站",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国红梅志文斌婷雪"
CLERKS = ("王芳", "李娜", "张敏", "刘静", "陈丽", "杨洋", "黄婷", "赵雪", "吴秀英", "周玉兰")
SUPERVISORS = ("客服主管孙磊", "客服主管马超")
HANDLERS = {
    "工程部": ("郭强", "何军", "高勇", "林涛", "罗刚", "郑建国", "梁明", "谢斌"),
    "保洁部": ("宋桂英", "唐红梅", "许平", "韩艳"),
    "秩序维护部": ("冯杰", "邓志文", "曹华", "彭超", "曾强"),
    "客服部": ("肖娟", "田丽", "董敏"),
    "绿化部": ("朱建华", "胡玉"),
    "财务部": ("徐静", "孙文"),
}
PLANS = ("已安排维修人员上门", "联系供应商更换配件", "协调相关部门现场处理", "已约业主明日上门查看")
NOTES = ("维修进行中", "配件已到货", "已电话告知业主进度", "等待业主在家时间", "现场复查中")
RESOLUTIONS = (
    "已维修完毕，业主确认",
    "已清理完毕",
    "已现场处理",
    "已解释说明并调整账单",
    "已协调双方达成一致",
)
HOUR_WEIGHTS = (
    0.15,
    0.1,
    0.08,
    0.08,
    0.1,
    0.2,
    0.5,
    1.2,
    2.2,
    2.8,
    2.9,
    2.6,
    1.8,
    2.0,
    2.5,
    2.6,
    2.4,
    2.1,
    1.6,
    1.3,
    1.1,
    0.8,
    0.5,
    0.3,
)
EXTENSIONS = tuple(parse_duration(t) for t in ("2wd", "3wd", "5wd"))


@dataclass
class Step:
    at: int
    kind: str
    by: str
    params: dict[str, Any]


@dataclass
class Stats:
    complaints: int = 0
    events: int = 0
    open: int = 0
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    text_index_seconds: float = 0.0
    end: str = ""
    first_month: str = ""
    last_month: str = ""


def _weighted(mix: tuple[tuple[str, int], ...]) -> tuple[list[str], list[int]]:
    names = [name for name, _ in mix]
    cum, total = [], 0
    for _, weight in mix:
        total += weight
        cum.append(total)
    return names, cum


# -- the generator ---------------------------------------------------------------------------
class Generator:
    def __init__(self, ledger: Ledger, policy: Policy, seed: int, end: int) -> None:
        self.ledger = ledger
        self.seed = seed
        self.end = end
        self.first_open = 0  # complaints numbered from here on are left open ...
        self.older_open: set[int] = set()  # ... and these older ones
        self.policy = policy
        self.cal = ledger.calendar()
        self.rng = random.Random(seed)
        self.severities = _weighted(SEVERITY_MIX)
        self.channels = _weighted(CHANNEL_MIX)
        self.natures = _weighted(NATURE_MIX)
        self.categories = _weighted(tuple((k, v[0]) for k, v in CATEGORIES.items()))
        self.last_progress: dict[int, int] = {}

    def pick(self, mix: tuple[list[str], list[int]]) -> str:
        names, cum = mix
        return self.rng.choices(names, cum_weights=cum)[0]

    # -- arrival times ------------------------------------------------------------------------
    def arrivals(self, count: int, start: int, end: int) -> Iterator[int]:
        """``count`` sorted receipt instants in [start, end), shaped by day, hour and season."""
        rng = self.rng
        slots = range(start, end, HOUR)
        weights: list[float] = []
        day_weight: dict[int, float] = {}
        for slot in slots:
            moment = datetime.fromtimestamp(slot, CST)
            day = moment.toordinal()
            if day not in day_weight:
                d = date.fromordinal(day)
                w = 1.0 if self.cal.is_working_day(d) else 0.75
                if self.cal.holiday_name(d):
                    w = 0.6
                w *= 1.25 if d.month in (6, 7, 8) else 1.1 if d.month in (12, 1) else 1.0
                day_weight[day] = w * rng.uniform(0.85, 1.15)
            weights.append(day_weight[day] * HOUR_WEIGHTS[moment.hour])
        total = sum(weights)
        cum = 0.0
        placed = 0
        for slot, weight in zip(slots, weights, strict=True):
            cum += weight
            upto = min(count, round(count * cum / total))
            if upto > placed:
                width = min(HOUR, end - slot)
                yield from sorted(slot + rng.randrange(width) for _ in range(upto - placed))
                placed = upto

    def complaint(self, cid: int, received: int) -> Record:
        """One complaint: its events (at, kind, by, canonical data, pii), final row, personal."""
        number = sites.number_of(cid)  # the open ones are picked by number within a site
        steps = self.plan(cid, received, number >= self.first_open or number in self.older_open)
        canonical = integrity.canonical
        history: list[tuple[Any, ...]] = []
        state: Complaint | None = None
        person: tuple[Any, ...] = ()
        for step in steps:
            data = self.data(step, state, cid)
            pii = None
            if step.kind == "registered":
                salt = f"{self.rng.getrandbits(128):032x}"
                name, phone = step.params["name"], step.params["phone"]
                pii = integrity.personal_digest(salt, name, phone)
                person = (cid, name, phone, salt)
            history.append((step.at, step.kind, step.by, canonical(data), pii))
            state = apply(state, Event(step.kind, cid, step.at, step.by, data, step.at, 0, pii))
        self.last_progress.pop(cid, None)
        assert state is not None
        row = state.to_row()
        return history, [row[name] for name in _NAMES], person

    # -- one complaint's plan -----------------------------------------------------------------
    def plan(self, cid: int, received: int, force_open: bool) -> list[Step]:
        rng = self.rng
        policy = self.policy
        severity = self.pick(self.severities)
        channel = self.pick(self.channels)
        category = self.pick(self.categories)
        _, department, descriptions = CATEGORIES[category]
        nature = self.pick(self.natures)
        clerk = rng.choice(CLERKS)
        handler = rng.choice(HANDLERS[department])
        b, u = rng.randint(1, 40), rng.randint(1, 4)
        unit = f"{b}-{u}-{rng.randint(1, 33)}{rng.randint(1, 4):02d}"
        location = None
        if rng.random() < 0.6:
            location = rng.choice(LOCATIONS).format(b=b, u=u, g=rng.randint(1, 2))
        classified_now = rng.random() < 0.65
        received_dt = from_epoch(received)
        due, mask = workflow.deadlines(self.ledger, policy, received_dt, severity, channel)
        category_now = classified_now or rng.random() < 0.5
        steps = [
            Step(
                received,
                "registered",
                clerk,
                {
                    "channel": channel,
                    "unit": unit,
                    "description": rng.choice(descriptions),
                    "location": location,
                    "category": category if category_now else None,
                    "severity": severity if classified_now else None,
                    "nature": nature if classified_now else None,
                    "name": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
                    "phone": f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                    "due": (due, mask) if classified_now else None,
                },
            )
        ]
        classified = received  # a supervisor classifies before dispatching (派单)
        if not classified_now:
            at = classified = received + rng.randint(2, 30) * 60
            steps.append(
                Step(
                    at,
                    "classified",
                    rng.choice(SUPERVISORS),
                    {
                        "severity": severity,
                        "category": None if category_now else category,
                        "nature": nature,
                    },
                )
            )

        def when(due_at_: int | None, nominal: int, on_time: float) -> int:
            span = (due_at_ - received) if due_at_ is not None else nominal
            if rng.random() < on_time:
                return received + int(span * rng.uniform(0.05, 0.95))
            return received + span + int(span * rng.uniform(0.05, 1.0))

        resolve_due = due["resolve"]
        assert resolve_due is not None
        contact = when(due["respond"], 4 * HOUR, 0.9)
        assigned = max(when(due["assign"], 2 * HOUR, 0.93), classified + rng.randint(1, 10) * 60)
        steps.append(
            Step(
                assigned,
                "assigned",
                rng.choice(SUPERVISORS + CLERKS),
                {"department": department, "handler": handler},
            )
        )
        plan_at = None
        if due["plan"] is not None:
            plan_at = max(when(due["plan"], DAY, 0.9), assigned + rng.randint(5, 60) * 60)
        if plan_at is not None and plan_at - contact < 15 * 60:
            steps.append(
                Step(
                    contact,
                    "updated",
                    handler,
                    {"contacted": True, "plan": rng.choice(PLANS), "note": None},
                )
            )
        else:
            steps.append(
                Step(
                    contact,
                    "updated",
                    rng.choice((clerk, handler)),
                    {"contacted": True, "plan": None, "note": None},
                )
            )
            if plan_at is not None:
                steps.append(
                    Step(
                        plan_at,
                        "updated",
                        handler,
                        {"contacted": False, "plan": rng.choice(PLANS), "note": None},
                    )
                )
        # resolution: ~87% on time, early-skewed; extensions move the deadline first
        deadline = resolve_due
        extended = rng.random() < (0.01 if severity == "minor" else 0.04)
        if extended:
            at = deadline - rng.randint(2 * HOUR, DAY)
            dur = rng.choice(EXTENSIONS)
            steps.append(
                Step(
                    at,
                    "extended",
                    handler,
                    {
                        "duration": dur,
                        "reason": "需更换配件，等待到货",
                        "approved_by": rng.choice(SUPERVISORS),
                    },
                )
            )
            deadline = to_epoch(extend(from_epoch(deadline), dur, self.cal, policy.day_ends_at)[0])
        span = deadline - received
        if rng.random() < 0.87:
            frac = rng.betavariate(1.2, 3.0) if not extended else rng.uniform(0.85, 0.99)
            resolved = received + int(span * frac)
        else:
            resolved = deadline + int(span * rng.uniform(0.02, 0.6))
        latest = max(s.at for s in steps)
        if resolved <= latest:
            resolved = latest + rng.randint(10, 120) * 60
        if severity != "minor" or rng.random() < 0.15:  # progress notes on the update clock
            period = 12 * HOUR if severity == "moderate" else DAY
            at = contact + int(period * rng.uniform(0.5, 1.0))
            for _ in range(12):
                if at >= resolved:
                    break
                steps.append(
                    Step(
                        at,
                        "updated",
                        handler,
                        {"contacted": False, "plan": None, "note": rng.choice(NOTES)},
                    )
                )
                at += int(period * rng.uniform(0.5, 1.05))
        if rng.random() < (0.1 if severity == "major" else 0.015):
            at = received + (resolved - received) // 2
            steps.append(
                Step(
                    at,
                    "escalated",
                    rng.choice(SUPERVISORS),
                    {"reason": "业主多次来电催促", "level": "manager"},
                )
            )
        steps.sort(key=lambda s: s.at)
        self._finish(steps, resolved, handler, clerk)
        if force_open:
            cut = next(i for i, s in enumerate(steps) if s.kind == "resolved")
            roll = rng.random()
            keep = 1 + (not classified_now) if roll < 0.15 else cut
            if 0.15 <= roll < 0.4:
                keep = next(i for i, s in enumerate(steps) if s.kind == "assigned") + 1
            steps = steps[:keep]
        return [s for s in steps if s.at <= self.end]

    def _finish(self, steps: list[Step], resolved: int, handler: str, clerk: str) -> None:
        """Resolution, follow-up, and now and then 复议 with a second round."""
        rng = self.rng
        for round_ in range(2):
            steps.append(
                Step(resolved, "resolved", handler, {"resolution": rng.choice(RESOLUTIONS)})
            )
            roll = rng.random()
            satisfied = rng.random() < 0.88
            followed: int | None = None
            note: str | None = None
            if roll < 0.25:
                followed = resolved
                note = "confirmed when closing"
            elif roll < 0.85:
                followed = resolved + rng.randint(1 * HOUR, 3 * DAY)
                note = rng.choice(("电话回访", "上门回访", None))
            if followed is not None:
                steps.append(
                    Step(
                        followed,
                        "followed_up",
                        clerk,
                        {"satisfaction": "satisfied" if satisfied else "unsatisfied", "note": note},
                    )
                )
            reopen_p = 0.25 if not satisfied else 0.01
            if round_ == 1 or rng.random() >= reopen_p:
                return
            at = max(followed or resolved, resolved) + rng.randint(HOUR, 2 * DAY)
            at = min(at, resolved + 5 * DAY)
            steps.append(Step(at, "reopened", clerk, {"reason": "业主认为问题未彻底解决"}))
            note_at = at + rng.randint(HOUR, DAY)
            steps.append(
                Step(
                    note_at,
                    "updated",
                    handler,
                    {"contacted": True, "plan": None, "note": "复议后重新处理"},
                )
            )
            resolved = note_at + rng.randint(2 * HOUR, 3 * DAY)

    # -- event data, exactly as workflow builds it --------------------------------------------
    def data(self, step: Step, state: Complaint | None, cid: int) -> dict[str, Any]:
        p = step.params
        policy = self.policy
        kind = step.kind
        if kind == "registered":
            if p["due"] is not None:  # classified at once: the plan computed these already
                due, mask = p["due"]
            else:
                due, mask = workflow.deadlines(
                    self.ledger, policy, from_epoch(step.at), None, p["channel"]
                )
            data: dict[str, Any] = {
                key: p[key]
                for key in (
                    "channel",
                    "unit",
                    "description",
                    "location",
                    "category",
                    "severity",
                    "nature",
                )
            }
            data["policy_version"] = 0
            data["due"] = due
            data["provisional"] = mask
            return data
        assert state is not None
        if kind == "classified":
            new = {k: p[k] for k in ("severity", "category", "nature")}
            data = {k: v for k, v in new.items() if v is not None}
            data["before"] = {k: getattr(state, k) for k in new if new[k] is not None}
            target = new["severity"] or state.severity
            if target != state.severity:
                due, mask = workflow.deadlines(
                    self.ledger, policy, from_epoch(state.received_at), target, state.channel
                )
                if due["update"] is not None and state.update_done is None:
                    due["update"] = workflow._update_clock(
                        policy, target, self.last_progress.get(cid, state.received_at)
                    )
                data["previous_due"] = {m: state.due(m) for m in MILESTONES}
                data["due"] = due
                data["provisional"] = mask
            return data
        if kind == "assigned":
            return dict(p)
        if kind == "updated":
            self.last_progress[cid] = step.at
            return {**p, "update_due": workflow._update_clock(policy, state.severity, step.at)}
        if kind == "escalated":
            return dict(p)
        if kind == "extended":
            assert state.resolve_due is not None
            moved, prov = extend(
                from_epoch(state.resolve_due), p["duration"], self.cal, policy.day_ends_at
            )
            bit = 1 << MILESTONES.index("resolve")
            mask = state.provisional | bit
            if not prov:
                mask ^= bit
            return {
                "milestone": "resolve",
                "duration": str(p["duration"]),
                "from": state.resolve_due,
                "reason": p["reason"],
                "approved_by": p["approved_by"],
                "due": {"resolve": to_epoch(moved)},
                "provisional": mask,
            }
        if kind in ("resolved", "followed_up"):
            return dict(p)
        if kind == "reopened":
            self.last_progress[cid] = step.at
            limit = policy.limit(state.severity, "resolve")
            assert limit is not None
            moment, prov = due_at(from_epoch(step.at), limit, self.cal, policy.day_ends_at)
            bit = 1 << MILESTONES.index("resolve")
            return {
                "reason": p["reason"],
                "due": {
                    "resolve": to_epoch(moment),
                    "update": workflow._update_clock(policy, state.severity, step.at),
                },
                "provisional": (state.provisional | bit) if prov else (state.provisional & ~bit),
            }
        raise ValueError(f"no builder for {kind}")


# -- writing ---------------------------------------------------------------------------------
_EVENT_SQL = (
    "INSERT INTO events (seq, complaint_id, kind, at, recorded_at, by, data, pii, prev_hash, "
    "hash, chain, chain_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_NAMES = COLUMNS  # the ledger's column order for complaints
_PERSONAL_SQL = "INSERT INTO personal (complaint_id, name, phone, salt) VALUES (?, ?, ?, ?)"
_COMPLAINT_SQL = (
    f"INSERT INTO complaints ({', '.join(_NAMES)}) VALUES ({', '.join('?' for _ in _NAMES)})"
)
_STATUS = _NAMES.index("status")


def _add_sites(
    conn: Any, codes: list[str], at: int, seq: int, heads: dict[str, tuple[int, str]]
) -> int:
    """Each site's row and ``site_added`` event, as ``workflow.sites.add_site`` writes them
    (recorded at ``at``, before the first complaint), on the first site's chain as the
    ledger's own events are (store/chain.py); the log's seq after them."""
    for code in codes:
        name = f"{code}项目"
        conn.execute("INSERT INTO sites (code, name, added_at) VALUES (?, ?, ?)", (code, name, at))
        text = integrity.canonical({"code": code, "name": name})
        seq += 1
        position, prev = heads.get(FIRST) or (0, integrity.GENESIS)
        position += 1
        digest = integrity.chained_hash(
            prev, position, None, "site_added", at, at, "总部", text, None
        )
        conn.execute(
            _EVENT_SQL,
            (seq, None, "site_added", at, at, "总部", text, None, prev, digest, FIRST, position),
        )
        heads[FIRST] = (position, digest)
    return seq


def _months_before(end: datetime, months: int) -> datetime:
    year, month = divmod(end.year * 12 + end.month - 1 - months, 12)
    return end.replace(year=year, month=month + 1, day=min(end.day, 28))


def _pick_open(rng: random.Random, count: int, wanted: int) -> tuple[int, set[int]]:
    """Complaint numbers left open: the last 90% of ``wanted`` by number, and a scatter."""
    wanted = min(wanted, count)
    recent = round(wanted * 0.9)
    first_recent = count - recent + 1
    older = set(rng.sample(range(1, first_recent), min(wanted - recent, first_recent - 1)))
    return first_recent, older


Record = tuple[list[tuple[Any, ...]], list[Any], tuple[Any, ...]]
_LAST_SEQ = _NAMES.index("last_seq")
_WORKER: Generator | None = None  # set before forking the pool; workers inherit it


Task = tuple[int, list[int], list[int]]  # (batch index, complaint keys, receipt instants)


def _work(task: Task) -> tuple[list[int], list[Record]]:
    """One batch of complaints: plans, event data and states (seq filled in later)."""
    index, cids, receipts = task
    gen = _WORKER
    assert gen is not None
    gen.rng = random.Random(f"{gen.seed}:{index}")
    return cids, [gen.complaint(cid, r) for cid, r in zip(cids, receipts, strict=True)]


def site_codes(count: int) -> list[str]:
    """The sites of ``--sites count``: MAIN alone for 1, else S01, S02, ..."""
    if count <= 1:
        return [sites.FIRST]
    width = max(2, len(str(count)))
    if width > 3:
        raise SystemExit(f"--sites {count}: at most 999")
    return [f"S{n:0{width}d}" for n in range(1, count + 1)]


def _tasks(receipts: Iterator[int], size: int, codes: list[str]) -> Iterator[Task]:
    """Batches of ``size`` arrivals, dealt to the sites in turn: the k-th arrival (from 0)
    goes to site ``k % len(codes)`` as its number ``k // len(codes) + 1``."""
    cids: list[int] = []
    batch: list[int] = []
    index = 0
    for k, received in enumerate(receipts):
        number, which = divmod(k, len(codes))
        cids.append(sites.key(codes[which], number + 1))
        batch.append(received)
        if len(batch) == size:
            yield index, cids, batch
            index, cids, batch = index + 1, [], []
    if batch:
        yield index, cids, batch


def _windowed(
    pool: Any, tasks: Iterator[Task], window: int
) -> Iterator[tuple[list[int], list[Record]]]:
    """``pool.imap`` with at most ``window`` batches in flight (imap runs ahead unbounded)."""
    pending: deque[Any] = deque()
    for task in tasks:
        pending.append(pool.apply_async(_work, (task,)))
        if len(pending) >= window:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def generate(
    path: Path,
    complaints: int,
    *,
    open_count: int | None = None,
    months: int = 12,
    end: datetime | None = None,
    seed: int = 8,
    chunk: int = 50_000,
    workers: int = 0,
    cache_mb: int = 32,
    progress: bool = True,
    site_count: int = 1,
) -> Stats:
    """Write ``complaints`` complaints with their histories into a new ledger at ``path``.

    ``workers`` > 0 builds the complaints in that many forked processes; this process orders
    their events in time, numbers and chains them and writes them (the same ledger either way).
    """
    global _WORKER
    began = time.perf_counter()
    end = (end or datetime.now(CST)).replace(second=0, microsecond=0)
    end_epoch = to_epoch(end)
    start = _months_before(end, months).replace(minute=0)
    ledger = Ledger.open(path)
    conn = ledger.conn
    if conn.execute("SELECT count(*) FROM events").fetchone()[0]:
        raise SystemExit(f"{path}: not an empty ledger; remove it or pick another path")
    conn.execute("PRAGMA synchronous = OFF")  # a bench artefact: rebuilt, never repaired
    conn.execute(f"PRAGMA cache_size = -{cache_mb * 1024}")
    gen = Generator(ledger, ledger.policy(), seed, end_epoch)  # builds and caches the calendar
    codes = site_codes(site_count)
    per_site = -(-complaints // len(codes))  # the first sites get one more when uneven
    gen.first_open, gen.older_open = _pick_open(gen.rng, per_site, open_count or 0)
    stats = Stats(end=end.isoformat(), first_month=f"{start:%Y-%m}", last_month=f"{end:%Y-%m}")
    receipts = gen.arrivals(complaints, to_epoch(start), end_epoch)

    heap: list[tuple[int, int, int]] = []  # (at, complaint id, event index): next of each
    records: dict[int, Record] = {}
    events: list[tuple[Any, ...]] = []
    people: list[tuple[Any, ...]] = []
    rows: list[tuple[Any, ...]] = []
    seq = 0
    heads: dict[str, tuple[int, str]] = {}  # one chain per site: (position, hash) of its head
    event_hash = integrity.event_hash
    done = 0

    def emit(at: int, cid: int, index: int) -> None:
        nonlocal seq, done
        history, row, person = records[cid]
        _, kind, by, text, pii = history[index]
        seq += 1
        chain = FIRST if cid < STRIDE else site_of(cid)  # store/chain.chain_of
        position, prev = heads.get(chain) or (0, integrity.GENESIS)
        position += 1
        # store/chain.chained_hash: the position in the chain, the number within the site
        digest = event_hash(prev, position, cid % STRIDE, kind, at, at, by, text, pii)
        events.append((seq, cid, kind, at, at, by, text, pii, prev, digest, chain, position))
        heads[chain] = (position, digest)
        if index == 0:
            people.append(person)
        if index + 1 < len(history):
            heapq.heappush(heap, (history[index + 1][0], cid, index + 1))
        else:
            del records[cid]
            row[_LAST_SEQ] = seq
            rows.append(tuple(row))
            done += 1

    def flush() -> None:
        conn.executemany(_PERSONAL_SQL, people)
        conn.executemany(_EVENT_SQL, events)
        rows.sort()
        conn.executemany(_COMPLAINT_SQL, rows)
        stats.events += len(events)
        stats.open += sum(row[_STATUS] in OPEN_STATUSES for row in rows)
        people.clear()
        events.clear()
        rows.clear()

    with contextlib.ExitStack() as stack:
        _WORKER = gen
        batches: Iterator[tuple[list[int], list[Record]]]
        tasks = _tasks(receipts, 2000, codes)
        if workers > 0:
            pool = stack.enter_context(multiprocessing.get_context("fork").Pool(workers))
            batches = _windowed(pool, tasks, 2 * workers + 1)
        else:
            batches = map(_work, tasks)
        conn.execute("BEGIN IMMEDIATE")
        try:
            if len(codes) > 1:  # the sites first, as `site add` adds them
                seq = _add_sites(conn, codes, to_epoch(start) - DAY, seq, heads)
                stats.events += seq
            committed = 0
            for cids, batch in batches:
                first_at, first_cid = batch[0][0][0][0], cids[0]
                while heap and (heap[0][0], heap[0][1]) < (first_at, first_cid):
                    emit(*heapq.heappop(heap))
                for cid, record in zip(cids, batch, strict=True):
                    records[cid] = record
                    heapq.heappush(heap, (record[0][0][0], cid, 0))
                stats.complaints += len(batch)
                if len(events) >= 20_000:
                    flush()
                if done - committed >= chunk:
                    flush()
                    conn.execute("COMMIT")
                    conn.execute("BEGIN IMMEDIATE")
                    committed = done
                    if progress:
                        print(
                            f"  {done:,} complaints, {stats.events:,} events, "
                            f"{time.perf_counter() - began:.0f} s",
                            file=sys.stderr,
                            flush=True,
                        )
            while heap:
                emit(*heapq.heappop(heap))
            flush()
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            _WORKER = None
    # the rows were written directly: index their words as migration 3 does (and time it)
    indexing = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    textindex.rebuild(conn)
    conn.execute("COMMIT")
    stats.text_index_seconds = time.perf_counter() - indexing
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ledger.close()
    stats.seconds = time.perf_counter() - began
    stats.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if workers > 0:
        stats.peak_rss_mb += resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return stats


# -- checking --------------------------------------------------------------------------------
def verify(path: Path, sample: int = 2000, seed: int = 1) -> tuple[int, int]:
    """Re-check every hash of the chain and refold ``sample`` complaints with ``apply``.

    Returns (events checked, complaints refolded); raises AssertionError on any difference.
    """
    ledger = Ledger.open(path)
    heads: dict[str, tuple[int, str]] = {}
    count = 0
    for row in ledger.conn.execute(
        "SELECT seq, complaint_id, kind, at, recorded_at, by, data, pii, prev_hash, hash, chain, "
        "chain_seq FROM events ORDER BY seq"
    ):
        seq, cid, kind, at, recorded, by, data, pii, prev_hash, digest, chain, position = row
        last, prev = heads.get(chain) or (0, integrity.GENESIS)
        assert position == last + 1, f"event {seq}: not the next of chain {chain}"
        assert prev_hash == prev, f"event {seq}: prev_hash does not chain"
        assert data == integrity.canonical(json.loads(data)), f"event {seq}: data not canonical"
        expect = integrity.chained_hash(prev, position, cid, kind, at, recorded, by, data, pii)
        assert digest == expect, f"event {seq}: hash mismatch"
        heads[chain] = (position, digest)
        count += 1
    keys = [int(r[0]) for r in ledger.conn.execute("SELECT id FROM complaints ORDER BY id")]
    ids = random.Random(seed).sample(keys, min(sample, len(keys)))  # keys: by site (--sites)
    for cid in ids:
        state: Complaint | None = None
        for event in ledger.events(cid):
            state = apply(state, event)
        assert state is not None and state == ledger.get(cid), f"complaint {cid}: state differs"
        name, phone = ledger.personal(cid)
        salt = ledger.conn.execute(
            "SELECT salt FROM personal WHERE complaint_id = ?", (cid,)
        ).fetchone()[0]
        first = ledger.events(cid)[0]
        assert first.pii == integrity.personal_digest(salt, str(name), str(phone))
    ledger.close()
    return count, len(ids)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="new ledger file (must not exist unless --force)")
    parser.add_argument("--complaints", "-n", type=int, default=50_000)
    parser.add_argument("--open", type=int, default=None, help="leave about this many open")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--end", help="last receipt time (local), default now")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--sites", type=int, default=1, help="spread over N sites S01.. (1: all in MAIN)"
    )
    parser.add_argument("--chunk", type=int, default=50_000, help="complaints per transaction")
    parser.add_argument(
        "--workers",
        type=int,
        default=min(4, (os.cpu_count() or 1) - 1),
        help="processes building complaints (0: all in this one)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    parser.add_argument("--verify", action="store_true", help="check chain and sample after")
    args = parser.parse_args(argv)
    path: Path = args.path
    for extra in ("", "-wal", "-shm"):
        target = Path(f"{path}{extra}")
        if target.exists():
            if not args.force:
                raise SystemExit(f"{target} exists; use --force to replace it")
            target.unlink()
    end = parse_time(args.end, "--end") if args.end else None
    try:
        stats = generate(
            path,
            args.complaints,
            open_count=args.open,
            months=args.months,
            end=end,
            seed=args.seed,
            chunk=args.chunk,
            workers=args.workers,
            site_count=args.sites,
        )
    except BaseException:
        for extra in ("", "-wal", "-shm"):
            Path(f"{path}{extra}").unlink(missing_ok=True)
        raise
    meta = {
        **vars(stats),
        "path": str(path),
        "bytes": path.stat().st_size,
        "seed": args.seed,
        "open_requested": args.open,
        "workers": args.workers,
        "sites": site_codes(args.sites),
    }
    Path(f"{path}.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(
        f"{path}: {stats.complaints:,} complaints ({stats.open:,} open), {stats.events:,} events, "
        f"{meta['bytes'] / 2**20:,.0f} MiB in {stats.seconds:.1f} s "
        f"({stats.complaints / stats.seconds:,.0f} complaints/s, "
        f"peak RSS {stats.peak_rss_mb:.0f} MB)"
    )
    if args.verify:
        began = time.perf_counter()
        events, refolded = verify(path)
        print(
            f"verified: {events:,} hashes chain, {refolded:,} complaints refold with apply "
            f"({time.perf_counter() - began:.1f} s)"
        )


if __name__ == "__main__":
    main()
