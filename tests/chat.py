"""Fake chat servers on 127.0.0.1, each in a thread, keeping what they receive: a Mattermost
incoming webhook (`POST /hooks/{token}`), a Slack webhook (`POST /services/{a}/{b}/{c}`) and
a Matrix client-server endpoint (`whoami`, `join`, then
`PUT /_matrix/client/v3/rooms/{room}/send/m.room.message/{txn}`)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

MATRIX_ROOM = "!equipe:127.0.0.1"


@dataclass
class Received:
    method: str
    path: str
    body: dict


@dataclass
class ChatServer:
    """What one fake server received; `failing` makes it answer 500 to every message."""

    port: int = 0
    failing: bool = False
    received: list[Received] = field(default_factory=list)

    @property
    def messages(self) -> list[Received]:
        """The messages posted (Mattermost and Slack hooks, Matrix room sends), not Matrix's
        handshake (whoami, join)."""
        return [r for r in self.received if r.path.startswith(("/hooks/", "/services/"))
                or "/send/m.room.message/" in r.path]

    def texts(self) -> list[str]:
        """Each message's text as posted (Matrix: the HTML clients show; `messages` has its plain
        body, the fallback)."""
        out = []
        for r in self.messages:
            if "text" in r.body:
                out.append(r.body["text"])
            elif "attachments" in r.body:
                out.append(r.body["attachments"][0]["text"])
            else:
                out.append(r.body["formatted_body"])
        return out


def _handler(server: ChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            size = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(size).decode() if size else ""
            server.received.append(Received(self.command, unquote(self.path), json.loads(raw) if raw else {}))

        def _answer(self, status: int, payload: object) -> None:
            data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain" if isinstance(payload, str) else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _reply(self) -> None:
            self._record()
            path = unquote(self.path)
            if server.failing and not path.endswith(("/whoami",)) and "/join/" not in path:
                self._answer(500, {"errcode": "M_UNKNOWN", "error": "indisponible"})
            elif path.endswith("/account/whoami"):
                self._answer(200, {"user_id": "@suivi:127.0.0.1", "device_id": "SUIVI"})
            elif "/join/" in path:
                self._answer(200, {"room_id": MATRIX_ROOM})
            elif "/send/m.room.message/" in path:
                self._answer(200, {"event_id": f"$event{len(server.received)}"})
            else:
                self._answer(200, "ok")  # Mattermost and Slack hooks

        do_GET = do_POST = do_PUT = _reply  # noqa: N815 - http.server's names

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def chat_server() -> Iterator[ChatServer]:
    """One fake server (it answers as any of the three) on a free port of 127.0.0.1."""
    server = ChatServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
