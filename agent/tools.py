"""The template's own tools, and how each is gated (`TOOL_POLICY`). `send_email` is the
demo of a risky, gated call. A fork adds a gated tool here: the tool in `make_tools`,
its policy in `TOOL_POLICY` (`agent.approval.ToolPolicy`).

Its effect is a file in the agent's virtual filesystem (`values.files`), one per
sent email, named after the tool call id, plus a send through an `EmailProvider`
(`agent.email`). The call id keys both, so a replay cannot duplicate the email:
the outbox file is found in state, and the provider refuses a key it has sent.
"""

from __future__ import annotations

from typing import Annotated, Any

from deepagents.backends.utils import create_file_data
from langchain.tools import ToolRuntime, tool
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from langgraph.types import Command
from pydantic import Field

from agent.approval import ToolPolicy, describe
from agent.approval.contract import DECISION_TYPES, OUTBOX_DIR
from agent.email import Email, EmailNotSent, EmailProvider

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

TOOL_POLICY: dict[str, ToolPolicy] = {
    "send_email": {
        "allowed_decisions": list(DECISION_TYPES),
        "description": describe("Send an email to {to} with the subject {subject!r}."),
    },
}
"""How the tools below are gated: what a reviewer may decide and what they see (a tool not
listed runs without asking). `agent.policy` adds deepagents' own tools."""


def outbox_path(tool_call_id: str) -> str:
    """Where the email sent by one tool call is filed."""
    return f"{OUTBOX_DIR}{tool_call_id}.eml"


def idempotency_key(runtime: ToolRuntime) -> str:
    """Unique per call across threads: tool call ids are only unique within one."""
    thread_id = (runtime.config.get("configurable") or {}).get("thread_id", "no-thread")
    return f"{thread_id}/{runtime.tool_call_id}"


def make_tools(provider: EmailProvider) -> list[BaseTool]:
    """The tools the template adds to deepagents' own (filesystem, planning, `task`)."""

    @tool
    def send_email(
        to: Annotated[str, Field(pattern=EMAIL_PATTERN, description="Recipient address, e.g. ada@example.com")],
        subject: Annotated[str, Field(min_length=1, max_length=200, description="Subject line")],
        body: Annotated[str, Field(description="Plain-text body")],
        runtime: ToolRuntime,
    ) -> Command[Any]:
        """Send an email. A human must approve it before it goes out."""
        call_id = runtime.tool_call_id or "unknown-call"
        path = outbox_path(call_id)
        if path in (runtime.state.get("files") or {}):
            # A replay of a call that already ran: the email went out once, keep it that way.
            note = f"Email to {to} was already sent (saved as {path}); not sent again."
            return Command(update={"messages": [ToolMessage(note, tool_call_id=call_id)]})
        key = idempotency_key(runtime)
        try:
            sent_now = provider.send(Email(to=to, subject=subject, body=body, idempotency_key=key))
        except EmailNotSent as refused:
            # Said as it is: no outbox copy, an error the model and the history see.
            failed = ToolMessage(f"Email to {to} was not sent: {refused}", tool_call_id=call_id, status="error")
            return Command(update={"messages": [failed]})
        email = f"To: {to}\nSubject: {subject}\nIdempotency-Key: {key}\n\n{body}\n"
        said = (
            f"Email sent to {to} (saved as {path})."
            if sent_now
            else f"Email to {to} had already been sent under key {key}; not sent again (saved as {path})."
        )
        return Command(
            update={
                "files": {path: create_file_data(email)},
                "messages": [ToolMessage(said, tool_call_id=call_id)],
            }
        )

    return [send_email]
