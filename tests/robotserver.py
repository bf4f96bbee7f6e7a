"""A stand-in for the WeCom and DingTalk webhook APIs on 127.0.0.1, for tests/test_robots.py.

It checks each request as the real services do (path and query, the JSON envelope, content
size, DingTalk's timestamp and HMAC-SHA256 signature) and answers by the robot's token:

``ok…`` success; ``bad…`` an error code; ``busy…`` "too fast" once, then success; ``slow…``
an answer after ``slow`` seconds; ``slowonce…`` slow once, then success; ``drop…`` the
connection closed without an answer; ``droponce…`` dropped once, then success; ``http500…``
HTTP 500.  Every request is recorded; ``problems`` lists what a real service would refuse."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

WECOM_PATH = "/cgi-bin/webhook/send"
DINGTALK_PATH = "/robot/send"


@dataclass
class Request:
    kind: str
    token: str
    query: dict[str, list[str]]
    body: dict[str, Any]

    @property
    def text(self) -> str:
        markdown = self.body["markdown"]
        return str(markdown["content"] if self.kind == "wecom" else markdown["text"])


@dataclass
class Robots:
    port: int
    secrets: dict[str, str] = field(default_factory=dict)  # DingTalk token -> secret
    slow: float = 1.0
    requests: list[Request] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)  # requests per token
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wecom(self, token: str) -> str:
        return f"http://127.0.0.1:{self.port}{WECOM_PATH}?key={token}"

    def dingtalk(self, token: str) -> str:
        return f"http://127.0.0.1:{self.port}{DINGTALK_PATH}?access_token={token}"

    def texts(self, token: str) -> list[str]:
        return [r.text for r in self.requests if r.token == token]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _answer(self, code: int, errmsg: str, status: int = 200) -> None:
        data = json.dumps({"errcode": code, "errmsg": errmsg}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802
        robots = self.server.robots
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if url.path == WECOM_PATH:
            kind, token = "wecom", query.get("key", [""])[0]
        elif url.path == DINGTALK_PATH:
            kind, token = "dingtalk", query.get("access_token", [""])[0]
        else:
            robots.problems.append(f"unknown path {url.path}")
            self._answer(0, "not found", 404)
            return
        problem = self._check(kind, token, query, raw)
        with robots.lock:
            n = robots.seen[token] = robots.seen.get(token, 0) + 1
            if problem is None:
                robots.requests.append(Request(kind, token, query, json.loads(raw)))
            else:
                robots.problems.append(problem)
        if problem is not None:
            code = 310000 if "sign" in problem or "timestamp" in problem else 40058
            self._answer(code, problem)
        elif token.startswith("bad"):
            self._answer(93000, "invalid webhook url, hint: [1733] key=" + token)
        elif token.startswith("busy") and n == 1:
            self._answer(45009 if kind == "wecom" else 130101, "send too fast")
        elif token.startswith("slowonce") and n == 1 or token.startswith("slow-"):
            time.sleep(robots.slow)
            self._answer(0, "ok")
        elif token.startswith("droponce") and n == 1 or token.startswith("drop-"):
            self.close_connection = True
            self.connection.shutdown(2)
        elif token.startswith("http500"):
            self._answer(-1, "system busy", 500)
        else:
            self._answer(0, "ok")

    def _check(self, kind: str, token: str, query: dict[str, list[str]], raw: bytes) -> str | None:
        """What the real service would refuse, or None."""
        if not token:
            return "no token"
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            return "not application/json"
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            return "body is not JSON"
        if body.get("msgtype") != "markdown" or set(body) != {"msgtype", "markdown"}:
            return f"bad envelope {sorted(body)}"
        markdown = body["markdown"]
        if kind == "wecom":
            if set(markdown) != {"content"} or not isinstance(markdown["content"], str):
                return "wecom: markdown.content missing"
            if len(markdown["content"].encode()) > 4096:
                return "markdown.content exceed max length 4096"
            return None
        if set(markdown) != {"title", "text"} or not markdown["title"] or not markdown["text"]:
            return "dingtalk: markdown.title and markdown.text required"
        if len(markdown["text"].encode()) > 20000:
            return "dingtalk: message too long"
        secret = self.server.robots.secrets.get(token)
        if secret is None:
            return (
                "timestamp or sign given to a robot without a secret"
                if ("sign" in query or "timestamp" in query)
                else None
            )
        stamp = query.get("timestamp", [""])[0]
        if not stamp.isdigit() or abs(int(stamp) - time.time() * 1000) > 3_600_000:
            return "timestamp missing or more than an hour off"
        mac = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256)
        if query.get("sign", [""])[0] != base64.b64encode(mac.digest()).decode():
            return "sign not match"
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    robots: Robots

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up on a slow answer: nothing to report."""


def serve() -> tuple[_Server, Robots]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.robots = Robots(server.server_address[1])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.robots
