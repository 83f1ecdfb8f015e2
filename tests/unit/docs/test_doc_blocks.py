"""Every fenced block of README.md and docs/ is run by a test or checked another way (issue 22).

The blocks are read from the Markdown (`tests/support/doc_blocks.py`); a block no claim names
is listed here, with its file and line, as is a claim whose block or test is gone.
"""

from __future__ import annotations

import json
import re
from typing import get_type_hints

from agent.approval.contract import APPROVAL_NODE, SUBAGENT, TASK_CALL_ID, PendingRequest
from agent.graph import make_graph
from harness.server import REPO
from tests.support.doc_blocks import CLAIMS, DOCS, NOT_RUN, block, blocks


def test_every_block_of_the_docs_is_claimed() -> None:
    claimed = [(b.path, b.line) for b in (block(c.path, c.after) for c in CLAIMS)]
    left = [(b.path, b.line) for b in (block(c.path, c.after) for c in NOT_RUN)]
    found = {(b.path, b.line) for path in DOCS for b in blocks(path)}
    assert sorted(found - set(claimed) - set(left)) == []
    assert set(claimed).isdisjoint(left)
    for claim in CLAIMS:
        module, _, name = claim.test.partition("::")
        assert re.search(rf"^(async )?def {name}\(", (REPO / module).read_text(), re.M), claim.test


def test_the_contracts_request_names_every_key() -> None:
    """The request printed in the contract has the keys of `PendingRequest`, but a subagent's two
    (the contract's "Subagents" adds them)."""
    printed = block("docs/contract.md", "## While a request is pending")
    assert printed.lang == "json"
    assert set(json.loads(printed.text)) | {SUBAGENT, TASK_CALL_ID} == set(get_type_hints(PendingRequest))


def test_the_maps_files_are_there() -> None:
    """Every folder the README's map names is there, every file it names in one, and every folder of
    the repo is on it."""
    named: list[str] = []
    folder = ""
    for line in block("README.md", "## The map").text.splitlines():
        text = line
        if not line.startswith(" "):
            folder, text = line.split(None, 1)
            named.append(folder)
        named += [folder + name for name in re.findall(r"\b([\w-]+(?:\.(?:py|mjs)|/))(?=[\s,;:)]|$)", text)]
    missing = [path for path in named if not (REPO / path).exists()]
    assert missing == []
    folders = {f"{path.name}/" for path in REPO.iterdir() if path.is_dir() and not path.name.startswith(".")}
    built = {f"{path.name}/" for path in REPO.glob("*.egg-info")}  # (pip's, ignored by git)
    assert sorted(folders - built - set(named)) == []  # (every folder of the repo is on the map)


def test_the_diagram_shows_the_graphs_nodes() -> None:
    """design.md's diagram names each graph's own nodes (deepagents' before/after-agent steps
    aside), and the pause it says: a static breakpoint before the approval node on `agent`."""
    diagram = block("docs/design.md", "any client finds it with `threads.get_state`").text
    for graph_id, pause in (("agent", "breakpoint"), ("agent_interrupt", "interrupt")):
        line = next(line for line in diagram.splitlines() if line.startswith(f"{graph_id}:"))
        shown = {re.sub(r"\W.*", "", step.strip()) for step in line.split(":", 1)[1].split("─▶")} - {""}
        graph = make_graph(pause=pause)  # type: ignore[arg-type]
        nodes = {node.split(".")[0] for node in graph.get_graph().nodes} - {"__start__", "__end__"}
        assert shown == {n for n in nodes if not n.endswith("Middleware")}, graph_id
        assert graph.interrupt_before_nodes == ([APPROVAL_NODE] if pause == "breakpoint" else [])
