"""Where approved emails go: a stand-in provider keyed by an idempotency key.

Real providers (SES, Postmark, SendGrid, ...) accept an idempotency key and send
a message once however often the same key is submitted. `LoggingEmailProvider`
behaves the same way and records every attempt as a JSON line in a file, so a
test or a curious developer can see each send and every refused duplicate:

    EMAIL_LOG=/tmp/emails.jsonl make dev
    tail -f /tmp/emails.jsonl

Swap in a real provider by implementing `EmailProvider.send`: return whether the
email went out now (`False`: its key was sent before), raise `EmailNotSent` when
the provider refuses it or cannot be reached.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str
    idempotency_key: str


class EmailNotSent(Exception):
    """The provider refused the email or could not be reached; the message says why."""


class EmailProvider(Protocol):
    def send(self, email: Email) -> bool:
        """Send `email` unless its key was sent before; return whether it was sent now.

        Raises:
            EmailNotSent: the provider refused it, or could not be reached.
        """
        ...


class NullEmailProvider:
    """Sends nothing anywhere: the email lives only in the agent's `/outbox/`."""

    def send(self, email: Email) -> bool:
        return True


@dataclass(frozen=True)
class LoggingEmailProvider:
    """Appends each attempt to a JSON-lines file; a repeated key is logged, not sent."""

    path: Path

    def send(self, email: Email) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+", encoding="utf-8") as log:
            # One lock for check-and-append: several server processes may share the file.
            # (Windows has no flock; there, keep one server process per log file.)
            if sys.platform != "win32":
                import fcntl  # noqa: PLC0415  # POSIX only: importing the agent must not need it

                fcntl.flock(log, fcntl.LOCK_EX)
            log.seek(0)
            records = [json.loads(line) for line in log if line.strip()]
            sent = email.idempotency_key not in {r["idempotency_key"] for r in records if r["sent"]}
            record = {
                "idempotency_key": email.idempotency_key,
                "to": email.to,
                "subject": email.subject,
                "sent": sent,
                "at": datetime.now(UTC).isoformat(),
            }
            log.write(json.dumps(record) + "\n")
            log.flush()
        return sent


def read_log(path: Path) -> list[dict[str, object]]:
    """Every attempt recorded by a `LoggingEmailProvider`, oldest first."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
