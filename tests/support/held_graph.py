"""Both graphs, their email provider held at each send until the test lets it go.

Served as extra graphs by `tests/integration/gate/test_races.py`: each send connects to
the loopback port in `HELD_PROVIDER_PORT`, says which idempotency key it sends, and
waits for one byte back before the logging provider takes the email. So the test
sees every call the tool makes, and decides when each one ends: no timing involved.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from agent.email import Email, LoggingEmailProvider
from agent.graph import make_graph

PORT_VARIABLE = "HELD_PROVIDER_PORT"


@dataclass(frozen=True)
class HeldAtTheSend(LoggingEmailProvider):
    port: int

    def send(self, email: Email) -> bool:
        with socket.create_connection(("127.0.0.1", self.port)) as held:
            held.sendall(email.idempotency_key.encode() + b"\n")
            held.recv(1)  # (the test's go)
        return super().send(email)


provider = HeldAtTheSend(Path(os.environ["EMAIL_LOG"]), int(os.environ[PORT_VARIABLE]))
agent = make_graph(email_provider=provider)
agent_interrupt = make_graph(email_provider=provider, pause="interrupt")
