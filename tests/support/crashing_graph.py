"""`agent_interrupt` whose email provider kills its own server the first time it sends an email.

Served as an extra graph by the crash tests: the server dies after the provider
accepted the email and before the run could finish. A replay of the same call
finds its idempotency key sent already, so the server that replays it lives on.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from agent.email import Email, LoggingEmailProvider
from agent.graph import make_graph


class DiesAfterFirstSend(LoggingEmailProvider):
    def send(self, email: Email) -> bool:
        sent = super().send(email)
        if sent:
            os.kill(os.getpid(), signal.SIGKILL)
        return sent


graph = make_graph(email_provider=DiesAfterFirstSend(Path(os.environ["EMAIL_LOG"])), pause="interrupt")
