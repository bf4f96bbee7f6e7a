"""Group robots of 企业微信 (WeCom) and 钉钉 (DingTalk): the notifications file, and delivery
over HTTPS with the standard library.

The notifications file (TOML) maps departments to robots; it holds credentials (a webhook URL
is enough to post into a group, a DingTalk secret signs requests), so it is refused unless only
its owner can read or write it, and neither a URL nor a secret ever appears in a message of
this module.  Delivery: each message is posted with a timeout and retried with backoff on a
timeout, a dropped connection, an HTTP 5xx or 429 or the robot's own "too fast" code; the
answer's ``errcode`` must be 0.  At most ``per_minute`` requests go to one webhook in any
minute (both services allow 20; DingTalk then blocks a robot for ten minutes), waiting when
needed, and robots take turns so one slow group does not hold up the others.  ``sleep``,
``clock`` and ``wall`` are injectable: the tests wait for nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import stat
import time
import tomllib
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, quote_plus, urlsplit, urlunsplit

from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.messages import Msg, Term
from complaintctl.reports.robot_text import KINDS, envelope

ENV: Final = "COMPLAINTCTL_NOTIFY"
FILE_NAME: Final = "notify.toml"
_TOKEN = {"wecom": "key", "dingtalk": "access_token"}  # the query parameter naming the robot
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
# answers that mean "too fast, try again later": WeCom 45009, DingTalk 130101
_TOO_FAST = {45009, 130101}
_ANSWER_LIMIT = 65536  # bytes of an answer read
_KIND_ZH = {"wecom": "企业微信", "dingtalk": "钉钉"}


@dataclass(frozen=True)
class Robot:
    """One robot of the notifications file; ``number`` is its place in the file (1-based),
    the only way it is named in messages.  ``repr`` hides the URL and the secret."""

    number: int
    department: str  # as written in the file: a department, 未派单/unassigned, or "*"
    kind: str
    url: str = field(repr=False)
    secret: str | None = field(default=None, repr=False)

    @property
    def label(self) -> Msg:
        """``robot 1 (wecom, 工程部)`` / ``企业微信机器人 1（工程部）``."""
        kind = Term(self.kind, _KIND_ZH.get(self.kind, self.kind))
        return Msg("robots.label", {"number": self.number, "kind": kind, "dept": self.department})


def notify_path() -> Path:
    """``$COMPLAINTCTL_NOTIFY``, else ``notify.toml`` in the per-user config folder."""
    env = os.environ.get(ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_path  # start-up: only when sending

    return user_config_path("complaintctl") / FILE_NAME


def load(path: Path | None = None) -> tuple[Path, list[Robot]]:
    """The robots of the notifications file, checked: owner-only, TOML, the contract's keys."""
    path = notify_path() if path is None else path
    field_ = str(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InvalidInput(
            "--send", "robots.no_notifications_file_create_it_or", path=path, env=ENV
        ) from None
    except OSError as exc:
        raise InvalidInput(field_, "robots.cannot_read_it", strerror=exc.strerror) from exc
    if not stat.S_ISREG(st.st_mode):
        raise InvalidInput(field_, "robots.not_a_regular_file")
    if os.name == "posix" and st.st_mode & 0o077:
        mode = stat.S_IMODE(st.st_mode)
        raise InvalidInput(
            field_,
            "robots.readable_or_writable_by_others_mode",
            mode=mode,
            path=path,
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise InvalidInput(field_, "robots.cannot_read_it_2", reason=reason) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(field_, "robots.not_valid_toml", exc=exc) from None
    unknown = sorted(set(data) - {"robot"})
    if unknown:
        raise InvalidInput(field_, "robots.unknown_key", accepted=["robot"], unknown=unknown[0])
    tables = data.get("robot", [])
    if not isinstance(tables, list) or not tables:
        raise InvalidInput(field_, "robots.no_robot_table")
    return path, [_robot(field_, n, t) for n, t in enumerate(tables, 1)]


def _robot(where: str, number: int, table: Any) -> Robot:
    here = f"{where}: robot {number}"
    if not isinstance(table, dict):
        raise InvalidInput(here, "robots.must_be_a_robot_table")
    keys = ("department", "kind", "url", "secret")
    unknown = sorted(set(table) - set(keys))
    if unknown:
        raise InvalidInput(here, "robots.unknown_key", accepted=keys, unknown=unknown[0])
    for key in keys:
        if key in table and not isinstance(table[key], str):
            raise InvalidInput(f"{here}: {key}", "robots.must_be_a_string")
    for key in keys[:3]:
        if not str(table.get(key, "")).strip():
            raise InvalidInput(f"{here}: {key}", "robots.missing")
    kind = table["kind"].strip().lower()
    if kind not in KINDS:
        raise InvalidInput(f"{here}: kind", "robots.unknown_kind", accepted=KINDS, kind=kind)
    secret = table.get("secret")
    if secret is not None and kind != "dingtalk":
        raise InvalidInput(f"{here}: secret", "robots.only_dingtalk_robots_sign_requests")
    url = table["url"].strip()
    parts = urlsplit(url)
    local = parts.scheme == "http" and parts.hostname in _LOOPBACK
    if not (parts.scheme == "https" or local) or not parts.hostname:
        raise InvalidInput(f"{here}: url", "robots.must_be_an_https_webhook_url")
    if not parse_qs(parts.query).get(_TOKEN[kind]):
        raise InvalidInput(
            f"{here}: url", "robots.a_webhook_url_has", kind=kind, token=_TOKEN[kind]
        )
    return Robot(number, table["department"].strip(), kind, url, (secret or "").strip() or None)


def masked(url: str) -> str:
    """The URL with every query value hidden: ``…/send?key=****``."""
    parts = urlsplit(url)
    query = "&".join(f"{p.split('=', 1)[0]}=****" for p in parts.query.split("&") if p)
    host = parts.hostname or ""  # never a user or password written into the URL
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, query, ""))


def sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: Base64 of HMAC-SHA256 over ``"{timestamp}\\n{secret}"`` keyed by
    the secret, URL-encoded."""
    text = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), text, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


@dataclass(frozen=True)
class Outcome:
    """What became of one robot's messages: ``sent`` of ``total`` accepted, and the reason of
    the first refusal (then the rest were not sent)."""

    robot: Robot
    sent: int
    total: int
    error: Msg | None = None


class _Failed(Exception):
    """Why a message was not delivered (``robots.fail.*``, rendered in the run's language)."""

    def __init__(self, reason: Msg, *, again: bool) -> None:
        super().__init__(reason.key)
        self.reason = reason
        self.again = again  # worth retrying


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A webhook that redirects is answered as an error, never followed with the body."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Sender:
    timeout: float = 10.0  # seconds for one request
    attempts: int = 3  # tries per message
    backoff: float = 2.0  # seconds before the 2nd try, doubled for each later one
    per_minute: int = 20  # requests to one webhook in any 60 s
    too_fast_wait: float = 60.0  # after the robot says "too fast"
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time  # DingTalk's timestamp
    _sent: dict[str, deque[float]] = field(default_factory=dict, repr=False)

    def deliver(self, plan: Sequence[tuple[Robot, Sequence[tuple[str, str]]]]) -> list[Outcome]:
        """Send each robot its messages (title, Markdown text), in order, the robots taking
        turns.  A refused message stops its robot only; the outcomes keep the plan's order."""
        sent = [0] * len(plan)
        errors: list[Msg | None] = [None] * len(plan)
        active = [i for i, (_, msgs) in enumerate(plan) if msgs]
        while active:
            waits = []
            for i in list(active):
                robot, msgs = plan[i]
                wait = self._wait(robot.url)
                if wait > 0:
                    waits.append(wait)
                    continue
                title, text = msgs[sent[i]]
                try:
                    self._send(robot, envelope(robot.kind, title, text))
                    sent[i] += 1
                except _Failed as exc:
                    errors[i] = exc.reason
                    if len(msgs) > 1:
                        where = {"i": sent[i] + 1, "n": len(msgs), "reason": exc.reason}
                        errors[i] = Msg("robots.fail.message", where)
                if errors[i] is not None or sent[i] == len(msgs):
                    active.remove(i)
            if len(waits) == len(active) and waits:  # every robot must wait: the shortest
                self.sleep(min(waits))
        return [
            Outcome(robot, sent[i], len(msgs), errors[i]) for i, (robot, msgs) in enumerate(plan)
        ]

    def _wait(self, url: str) -> float:
        """Seconds before ``url`` may be sent another request."""
        window = self._sent.setdefault(url, deque())
        now = self.clock()
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) < self.per_minute:
            return 0.0
        return window[0] + 60 - now + 0.05

    def _send(self, robot: Robot, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        reason = Msg("robots.fail.other", {"name": ""})
        pause = 0.0  # before the next try: the backoff, or the robot's "too fast" wait
        for attempt in range(self.attempts):
            if pause:
                self.sleep(pause)
            wait = self._wait(robot.url)
            if wait > 0:
                self.sleep(wait)
            self._sent[robot.url].append(self.clock())
            pause = self.backoff * 2**attempt
            try:
                answer = self._post(robot, data)
            except _Failed as exc:
                if not exc.again:
                    raise
                reason = exc.reason
                continue
            code = answer.get("errcode")
            if code == 0:
                return
            errmsg = _scrub(str(answer.get("errmsg", "")), robot)
            reason = Msg("robots.fail.errcode", {"code": code, "errmsg": errmsg})
            if not isinstance(code, int) or code not in _TOO_FAST:
                raise _Failed(reason, again=False)
            pause = self.too_fast_wait
        tries = "many" if self.attempts > 1 else "one"
        after = {"reason": reason, "n": self.attempts}
        raise _Failed(Msg(f"robots.fail.after.{tries}", after), again=False)

    def _timed_out(self) -> Msg:
        return Msg("robots.fail.timeout", {"seconds": f"{self.timeout:g}"})

    def _post(self, robot: Robot, data: bytes) -> dict[str, Any]:
        url = robot.url
        if robot.secret:
            stamp = int(self.wall() * 1000)
            url += f"&timestamp={stamp}&sign={sign(robot.secret, stamp)}"
        request = urllib.request.Request(
            url, data=data, method="POST", headers={"Content-Type": "application/json"}
        )
        opener = urllib.request.build_opener(_NoRedirect())
        try:
            with opener.open(request, timeout=self.timeout) as response:
                raw = response.read(_ANSWER_LIMIT)
        except urllib.error.HTTPError as exc:
            again = exc.code >= 500 or exc.code == 429
            raise _Failed(Msg("robots.fail.http", {"code": exc.code}), again=again) from None
        except TimeoutError:
            raise _Failed(self._timed_out(), again=True) from None
        except urllib.error.URLError as exc:
            cause = exc.reason
            if isinstance(cause, TimeoutError):
                raise _Failed(self._timed_out(), again=True) from None
            text = cause.strerror if isinstance(cause, OSError) and cause.strerror else cause
            why = _scrub(str(text), robot)
            raise _Failed(Msg("robots.fail.connect", {"why": why}), again=True) from None
        except (http.client.HTTPException, OSError) as exc:
            what = (
                Msg("robots.fail.dropped")
                if _dropped(exc)
                else Msg("robots.fail.other", {"name": type(exc).__name__})
            )
            raise _Failed(what, again=True) from None
        try:
            answer = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _Failed(Msg("robots.fail.not_json"), again=True) from None
        if not isinstance(answer, dict):
            raise _Failed(Msg("robots.fail.not_object"), again=True)
        return answer


def _dropped(exc: BaseException) -> bool:
    return isinstance(
        exc, http.client.RemoteDisconnected | ConnectionResetError | http.client.IncompleteRead
    )


def _scrub(text: str, robot: Robot) -> str:
    """An answer or error text on one short line, without the robot's URL, token or secret."""
    secrets = [robot.url, *(v for vs in parse_qs(urlsplit(robot.url).query).values() for v in vs)]
    if robot.secret:
        secrets.append(robot.secret)
    for s in sorted(secrets, key=len, reverse=True):
        if s:
            text = text.replace(s, "****")
    text = " ".join(text.split())
    return text if len(text) <= 120 else text[:119] + "…"


def sender() -> Sender:
    """The sender the command uses (tests replace it with one that does not wait)."""
    return Sender()
