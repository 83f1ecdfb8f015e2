"""The fenced blocks of README.md and docs/, read from the Markdown itself, for the tests that run them.

`block(path, after)` is the first block after the words `after` in `path`; a test runs it as
printed, with only the substitutions it names (the server's address, a placeholder such as
`<thread id>`). `CLAIMS` says, for every block of the docs, which test runs or checks it, and
`NOT_RUN` which are not run yet, and why: `tests/unit/docs/test_doc_blocks.py` fails on a block
neither names, and on a claim whose block or test is gone.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from harness.server import REPO

DOCS: Final = ("README.md", *sorted(f"docs/{p.name}" for p in (REPO / "docs").glob("*.md")))
FENCE: Final = re.compile(r"^```(?P<lang>\w*)\n(?P<text>.*?)^```", re.S | re.M)


@dataclass(frozen=True)
class Block:
    path: str
    line: int
    """The line of its opening fence."""
    lang: str
    text: str

    def replaced(self, substitutions: Mapping[str, str]) -> str:
        """Its text with each of `substitutions` made, each of which must be in it."""
        text = self.text
        for old, new in substitutions.items():
            assert old in text, f"{self.path}:{self.line} no longer says {old!r}"
            text = text.replace(old, new)
        return text

    def commands(self, substitutions: Mapping[str, str] | None = None) -> list[str]:
        """A shell block's command lines, as printed (comments included: the shell skips them)."""
        return [line for line in self.replaced(substitutions or {}).splitlines() if line.strip()]

    def run_as_function(self, params: str, substitutions: Mapping[str, str] | None = None, **names: Any) -> Any:
        """A Python block as the body of `async def snippet(<params>)`, `names` its globals: that function."""
        code = self.replaced(substitutions or {})
        namespace: dict[str, Any] = dict(names)
        source = f"async def snippet({params}):\n" + textwrap.indent(code, "    ")
        exec(compile(source, f"{self.path}:{self.line}", "exec"), namespace)  # noqa: S102  # our own docs
        return namespace["snippet"]

    def run_as_module(self, substitutions: Mapping[str, str] | None = None, **names: Any) -> dict[str, Any]:
        """A Python block run as a module's code, `names` its globals: what it defines."""
        namespace: dict[str, Any] = dict(names)
        exec(compile(self.replaced(substitutions or {}), f"{self.path}:{self.line}", "exec"), namespace)  # noqa: S102
        return namespace


def blocks(path: str) -> list[Block]:
    text = (REPO / path).read_text()
    return [
        Block(path, text.count("\n", 0, m.start()) + 1, m.group("lang"), m.group("text")) for m in FENCE.finditer(text)
    ]


def block(path: str, after: str) -> Block:
    """The first block after the words `after` in `path`."""
    text = (REPO / path).read_text()
    at = text.find(after)
    assert at >= 0, f"{path} no longer says {after!r}"
    return next(b for b in blocks(path) if text.count("\n", 0, at) + 1 < b.line)


class Claim(NamedTuple):
    path: str
    after: str
    """Words just before the block (see `block`)."""
    test: str
    """`tests/...py::test_name`: the test that runs it, or checks it another way."""


CLAIMS: Final = (
    Claim(
        "docs/clients.md",
        "**React, with `useStream`.**",
        "tests/integration/docs/test_doc_snippets.py::test_the_react_component_approves_as_printed",
    ),
    Claim(
        "docs/clients.md",
        "asks if a subagent does, the calls), then a count",
        "tests/integration/docs/test_doc_snippets.py::test_the_clis_commands_as_printed",
    ),
    Claim("README.md", "## The map", "tests/unit/docs/test_doc_blocks.py::test_the_maps_files_are_there"),
    Claim(
        "docs/design.md",
        "any client finds it with `threads.get_state`",
        "tests/unit/docs/test_doc_blocks.py::test_the_diagram_shows_the_graphs_nodes",
    ),
    Claim(
        "docs/production.md",
        "release for 3.11, which also needs `greenlet`)",
        "tests/integration/docs/test_doc_snippets.py::test_the_aegra_commands_as_printed",
    ),
    Claim(
        "docs/clients.md",
        "one `show` lists.",
        "tests/integration/docs/test_doc_snippets.py::test_the_js_clients_commands_as_printed",
    ),
    Claim(
        "docs/configuration.md",
        "and a tool whose requests only `finance` may answer",
        "tests/integration/docs/test_doc_snippets.py::test_a_tool_only_finance_may_answer_as_printed",
    ),
    Claim(
        "docs/customize.md",
        "add one line to `agent/policy.py`",
        "tests/integration/docs/test_doc_snippets.py::test_the_customize_edits_as_printed",
    ),
    Claim(
        "docs/customize.md",
        "deepagents' tools):",
        "tests/integration/docs/test_doc_snippets.py::test_the_customize_edits_as_printed",
    ),
    Claim(
        "docs/production.md",
        "or a systemd timer:",
        "tests/integration/docs/test_doc_snippets.py::test_the_sweep_timer_runs_what_the_cron_line_runs",
    ),
    Claim(
        "docs/production.md",
        "its working directory, as `make dev` does):",
        "tests/integration/docs/test_doc_snippets.py::test_the_team_commands_as_printed",
    ),
    Claim(
        "README.md",
        "# Reload-safe tool approval",
        "tests/integration/docs/test_doc_snippets.py::test_the_readmes_make_targets",
    ),
    Claim(
        "README.md",
        "**From the command line**",
        "tests/integration/docs/test_doc_snippets.py::test_the_clis_commands_as_printed",
    ),
    Claim(
        "README.md",
        "**From your own code**",
        "tests/integration/docs/test_doc_snippets.py::test_the_docs_snippet_approves_as_printed",
    ),
    Claim(
        "docs/clients.md",
        "## The command line (`python -m client`)",
        "tests/integration/docs/test_doc_snippets.py::test_the_clis_commands_as_printed",
    ),
    Claim(
        "docs/clients.md",
        "## The Python SDK",
        "tests/integration/docs/test_doc_snippets.py::test_the_docs_snippet_approves_as_printed",
    ),
    Claim(
        "docs/clients.md",
        "**Teams.**",
        "tests/integration/docs/test_doc_snippets.py::test_the_team_commands_as_printed",
    ),
    Claim(
        "docs/clients.md",
        "A user who may not answer gets exit status 1",
        "tests/integration/docs/test_doc_snippets.py::test_the_team_commands_as_printed",
    ),
    Claim(
        "docs/clients.md",
        "reads their audit trail through the store API",
        "tests/integration/docs/test_doc_snippets.py::test_the_approvals_snippet_as_printed",
    ),
    Claim(
        "docs/configuration.md",
        "A team's `.env`",
        "tests/integration/docs/test_doc_snippets.py::test_the_approvals_snippet_as_printed",
    ),
    Claim(
        "docs/contract.md",
        "## Answering: the resume value",
        "tests/integration/docs/test_doc_snippets.py::test_the_contracts_resume_value_as_printed",
    ),
    Claim(
        "docs/configuration.md",
        "A receiver checks the raw body",
        "tests/integration/docs/test_doc_snippets.py::test_a_receiver_verifies_a_real_notice_as_printed",
    ),
    Claim(
        "docs/configuration.md",
        "tell someone:",
        "tests/integration/docs/test_doc_snippets.py::test_a_receiver_verifies_a_real_notice_as_printed",
    ),
    Claim(
        "docs/production.md",
        "## PostgreSQL, in-process",
        "tests/integration/docs/test_doc_snippets.py::test_the_postgres_snippet_as_printed",
    ),
    Claim(
        "docs/configuration.md",
        "its JWKS, reading the roles",
        "tests/integration/docs/test_doc_snippets.py::test_the_jwks_identify_as_printed",
    ),
    Claim(
        "docs/contract.md",
        "## While a request is pending",
        "tests/unit/docs/test_doc_blocks.py::test_the_contracts_request_names_every_key",
    ),
)
"""Which test runs or checks each block of the docs."""

NOT_RUN: Final[tuple[Claim, ...]] = ()
"""The blocks no test runs yet, and why (a claim whose `test` field holds the reason): none."""
