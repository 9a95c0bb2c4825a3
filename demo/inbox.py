"""The demo's inbox: a real SMTP server (aiosmtpd) and a webhook receiver on 127.0.0.1 that keep
the last messages, so what Alertmanager sends (emails, Slack-compatible chat messages) can be
read without a mail server or a chat. `make run` starts it; tests use `Inbox` in-process.

    python -m demo.inbox --smtp-port 2525 --http-port 9097 --dir var/inbox

`GET /` on the HTTP port lists the last messages, newest first, as JSON; each email is also kept
as a file under DIR/mail/ and each webhook post as a line of DIR/webhook.jsonl.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import signal
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller

KEEP = 200
MAX_POST_BYTES = 1 << 20


@dataclass(frozen=True)
class Mail:
    at: float  # unix seconds, when it arrived
    sender: str
    recipients: list[str]
    subject: str
    text: str  # the plain part, or the HTML part when there is none


@dataclass(frozen=True)
class Post:
    at: float
    path: str
    body: dict | list | str  # the JSON posted, or the raw text when it was not JSON


def _mail(at: float, sender: str, recipients: list[str], content: bytes) -> Mail:
    message = email.message_from_bytes(content, policy=email.policy.default)
    part = message.get_body(preferencelist=("plain", "html"))
    text = part.get_content() if part is not None else ""
    return Mail(at, sender, recipients, str(message.get("Subject", "")), text)


class Inbox:
    def __init__(self, smtp_port: int, http_port: int, directory: Path | None = None) -> None:
        self.smtp_port = smtp_port
        self.http_port = http_port
        self.directory = Path(directory) if directory else None
        self._mails: deque[Mail] = deque(maxlen=KEEP)
        self._posts: deque[Post] = deque(maxlen=KEEP)
        self._lock = threading.Lock()
        self._smtp: Controller | None = None
        self._http: ThreadingHTTPServer | None = None

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/slack"

    def mails(self) -> list[Mail]:
        with self._lock:
            return list(self._mails)

    def posts(self) -> list[Post]:
        with self._lock:
            return list(self._posts)

    def _keep_mail(self, envelope) -> None:
        mail = _mail(time.time(), envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        with self._lock:
            self._mails.append(mail)
            if self.directory:
                folder = self.directory / "mail"
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"{mail.at:.6f}.eml").write_bytes(envelope.content)

    def _keep_post(self, path: str, raw: bytes) -> None:
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode(errors="replace")
        post = Post(time.time(), path, body)
        with self._lock:
            self._posts.append(post)
            if self.directory:
                self.directory.mkdir(parents=True, exist_ok=True)
                with (self.directory / "webhook.jsonl").open("a") as log:
                    log.write(json.dumps(asdict(post)) + "\n")

    def listing(self) -> dict:
        return {"mail": [asdict(m) for m in reversed(self.mails())],
                "webhook": [asdict(p) for p in reversed(self.posts())]}  # fmt: skip

    def _reload(self) -> None:
        """What an earlier run kept under the directory: the list survives a restart."""
        for path in sorted((self.directory / "mail").glob("*.eml"))[-KEEP:]:
            content = path.read_bytes()
            message = email.message_from_bytes(content, policy=email.policy.default)
            recipients = [str(a) for a in message.get_all("To", [])]
            self._mails.append(_mail(float(path.stem), str(message.get("From", "")), recipients,
                                     content))  # fmt: skip
        log = self.directory / "webhook.jsonl"
        lines = log.read_text().splitlines()[-KEEP:] if log.exists() else []
        self._posts.extend(Post(**json.loads(line)) for line in lines if line.strip())

    def start(self) -> None:
        if self.directory:
            self._reload()
        inbox = self

        class Handler:
            async def handle_DATA(self, _server, _session, envelope) -> str:  # noqa: N802
                inbox._keep_mail(envelope)
                return "250 Message accepted for delivery"

        class Web(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_POST_BYTES:
                    self.send_error(413)
                    return
                inbox._keep_post(self.path, self.rfile.read(length))
                self._answer(b"ok", "text/plain")

            def do_GET(self) -> None:  # noqa: N802
                self._answer(json.dumps(inbox.listing(), indent=1).encode(), "application/json")

            def _answer(self, body: bytes, kind: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args) -> None:
                """Quiet: the messages themselves are the record."""

        self._smtp = Controller(Handler(), hostname="127.0.0.1", port=self.smtp_port)
        self._smtp.start()
        self._http = ThreadingHTTPServer(("127.0.0.1", self.http_port), Web)
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        if self._smtp is not None:
            self._smtp.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smtp-port", type=int, default=2525)
    parser.add_argument("--http-port", type=int, default=9097)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    inbox = Inbox(args.smtp_port, args.http_port, args.dir)
    inbox.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    inbox.stop()


if __name__ == "__main__":
    main()
