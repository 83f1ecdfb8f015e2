"""Every fenced block of README.md and docs/ is run by a test or checked another way (issue 22).

The blocks are read from the Markdown (`tests/support/doc_blocks.py`); a block no claim names
is listed here, with its file and line, as is a claim whose block or test is gone.
"""

from __future__ import annotations

import json
import re
from typing import get_type_hints

from agent.approval.contract import SUBAGENT, TASK_CALL_ID, PendingRequest
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
