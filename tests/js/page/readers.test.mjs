// The page's contract readers and pure logic (server/static/js), under `node --test`: no browser,
// no server. Run by tests/unit/server/test_page_js.py in `make test`, or alone:
//   node --test tests/js/page/

import assert from "node:assert/strict";
import { test } from "node:test";

import { collectPages, historyOf, pendingRequests } from "../../../server/static/js/api.js";
import { progressLines } from "../../../server/static/js/conversation.js";
import { applyEdit, hunks, lineDiff } from "../../../server/static/js/diff.js";
import { recordLine } from "../../../server/static/js/record.js";
import { blocks, inline } from "../../../server/static/js/markdown.js";
import { isExpired } from "../../../server/static/js/time.js";
import { requestFromUrl, threadFromUrl } from "../../../server/static/js/urls.js";
import { editLines } from "../../../server/static/js/views.js";

const request = (id) => ({ request_id: id, action_requests: [], review_configs: [] });
const state = (values, ...subagents) => ({ values, tasks: subagents.map((sub) => ({ state: sub })) });

test("pending requests: the thread's own first, then its subagents', nested ones too", () => {
  const nested = state({ pending_hitl: request("deep") });
  const thread = state({ pending_hitl: request("top") }, state({ pending_hitl: null }, nested), state({ pending_hitl: request("side") }));
  assert.deepEqual(pendingRequests(thread).map((r) => r.request_id), ["top", "deep", "side"]);
});

test("pending requests: none waiting, a task without a state, a value without a request_id", () => {
  const thread = { values: { pending_hitl: null }, tasks: [{}, { state: null }, { state: { values: { pending_hitl: {} } } }] };
  assert.deepEqual(pendingRequests(thread), []);
});

test("history: the thread's entries, then those of its subagents still running", () => {
  const thread = state({ hitl_history: [{ request_id: "a" }] }, state({ hitl_history: [{ request_id: "b" }] }), state({}));
  assert.deepEqual(historyOf(thread).map((e) => e.request_id), ["a", "b"]);
});

test("a line diff keeps the lines both share and marks the rest", () => {
  assert.deepEqual(lineDiff("a\nb\nc", "a\nB\nc\nd"), [[" ", "a"], ["-", "b"], ["+", "B"], [" ", "c"], ["+", "d"]]);
  assert.deepEqual(lineDiff("same", "same"), [[" ", "same"]]);
});

test("hunks show two lines around each change and count the lines left out", () => {
  const before = Array.from({ length: 12 }, (_, i) => `line ${i}`).join("\n");
  const after = before.replace("line 6", "LINE 6");
  const shown = hunks(lineDiff(before, after));
  assert.deepEqual(shown, [["…", 4], [" ", "line 4"], [" ", "line 5"], ["-", "line 6"], ["+", "LINE 6"], [" ", "line 7"], [" ", "line 8"], ["…", 3]]);
  assert.deepEqual(hunks(lineDiff(before, before)), []);
});

test("an edit is applied as deepagents' edit_file applies it, or refused as it refuses it", () => {
  assert.deepEqual(applyEdit("a TODO b", "TODO", "DONE", false), { after: "a DONE b", count: 1, refusal: null });
  assert.deepEqual(applyEdit("TODO TODO", "TODO", "DONE", true), { after: "DONE DONE", count: 2, refusal: null });
  assert.match(applyEdit("TODO TODO", "TODO", "DONE", false).refusal, /2 times and replace_all is off/);
  assert.match(applyEdit("text", "absent", "x", false).refusal, /not in the file/);
  assert.match(applyEdit("text", "", "x", false).refusal, /empty/);
});

test("an edit of a file the page does not know shows the text replaced, with a warning", () => {
  const { lines, warning } = editLines(null, "old", "new", false);
  assert.deepEqual(lines, [["-", "old"], ["+", "new"]]);
  assert.match(warning, /not known here/);
});

const send = { name: "send_email", tool_call_id: "call-1", args: {} };

test("a record says who decided what and what became of the call", () => {
  const entry = { action_requests: [send], decisions: [{ type: "approve" }], decided_by: "bob", decided_at: "2026-12-06T10:00:00Z" };
  const line = recordLine(entry, { "call-1": "Email sent to ada@example.com" });
  assert.match(line, /^Decided by bob, .+: send_email approved: done: Email sent to ada@example.com$/);
  assert.match(recordLine(entry, {}), /send_email approved: running$/);
});

test("a record of a rejection with a reason, a failure, and a subagent's report", () => {
  const rejected = { action_requests: [send], decisions: [{ type: "reject", message: "not now" }] };
  assert.match(recordLine(rejected, {}), /^Decided by you: send_email rejected \(not now\): not run$/);
  const failed = { ...rejected, decisions: [{ type: "approve" }], outcomes: { "call-1": { status: "failed", detail: "SMTP down" } } };
  assert.match(recordLine(failed, {}), /send_email approved: it failed: SMTP down$/);
  const delegated = { action_requests: [send], decisions: [{ type: "edit" }], task_call_id: "task-1" };
  assert.match(recordLine(delegated, { "task-1": "sent it" }), /approved with edits: done \(the subagent reported back: sent it\)$/);
});

test("a request that expired or was cancelled says so, and that nothing ran", () => {
  const expired = { action_requests: [send], decisions: [{ type: "expire" }], outcomes: { "call-1": { detail: "no answer in 24 h" } } };
  assert.match(recordLine(expired, {}), /^Expired: send_email not run \(no answer in 24 h\)$/);
  assert.match(recordLine({ action_requests: [send], decisions: [{ type: "cancel" }] }, {}), /^Cancelled: send_email not run$/);
});

test("a request expires at its expires_at, on the browser's clock; one without never does", () => {
  assert.equal(isExpired({ expires_at: new Date(Date.now() - 1000).toISOString() }), true);
  assert.equal(isExpired({ expires_at: new Date(Date.now() + 60_000).toISOString() }), false);
  assert.equal(isExpired({ expires_at: null }), false);
});

test("the URL names a thread, and a request only on that thread", () => {
  globalThis.location = { hash: "#thread=t-1&request=r-1" };
  assert.equal(threadFromUrl(), "t-1");
  assert.equal(requestFromUrl("t-1"), "r-1");
  assert.equal(requestFromUrl("t-2"), null);
  globalThis.location = { hash: "#thread=<script>" };
  assert.equal(threadFromUrl(), null);
});

test("the model's markdown: paragraphs, lists, fenced code", () => {
  const text = "Here is what happened:\n- send_email (done): sent\n- write_file (failed): disk full\n\n1. one\n2. two\n```\n<b>as is</b>\n```";
  assert.deepEqual(blocks(text), [
    { type: "p", lines: ["Here is what happened:"] },
    { type: "ul", items: ["send_email (done): sent", "write_file (failed): disk full"] },
    { type: "ol", items: ["one", "two"] },
    { type: "pre", text: "<b>as is</b>" },
  ]);
  assert.deepEqual(blocks("a\nb\n\nc"), [{ type: "p", lines: ["a", "b"] }, { type: "p", lines: ["c"] }]);
  assert.deepEqual(blocks("- item\n  goes on"), [{ type: "ul", items: ["item goes on"] }]);
});

test("inline markdown: code and bold are pieces of text, HTML stays text", () => {
  assert.deepEqual(inline("run `ls` **now** <img src=x onerror=alert(1)>"), [
    ["text", "run "], ["code", "ls"], ["text", " "], ["strong", "now"], ["text", " <img src=x onerror=alert(1)>"],
  ]);
  assert.deepEqual(inline("plain"), [["text", "plain"]]);
});

test("approvals pages: each from the last one's cursor, as many as asked, and whether there are more", async () => {
  const pages = { "": { items: [1, 2], next: "c2" }, c2: { items: [3, 4], next: "c3" }, c3: { items: [5], next: null } };
  const asked = [];
  const fetchPage = async (query) => {
    const params = new URLSearchParams(query);
    asked.push([params.get("limit"), params.get("cursor")]);
    return pages[params.get("cursor") || ""];
  };
  assert.deepEqual(await collectPages(fetchPage, 1, 2), { items: [1, 2], more: true });
  assert.deepEqual(await collectPages(fetchPage, 9, 2), { items: [1, 2, 3, 4, 5], more: false });
  assert.deepEqual(asked, [["2", null], ["2", null], ["2", "c2"], ["2", "c3"]]);
});

test("progress tells each step in words, with no outcome text and none of the model's markdown", () => {
  const said = "Email sent to ada@example.com";
  const lines = progressLines({
    approval: { hitl_history: [{ decisions: [{ type: "approve" }, { type: "edit" }] }] },
    tools: { messages: [{ type: "tool", name: "send_email", content: said }, { type: "tool", name: "x", status: "error", content: "boom" }] },
    model: { messages: [{ type: "ai", content: `Here is what happened:\n- send_email (done): ${said}` }] },
    again: { messages: [{ type: "ai", content: "", tool_calls: [{ name: "send_email" }] }], pending_hitl: { action_requests: [{ name: "send_email" }] } },
    __interrupt__: [{ value: {} }],
  });
  assert.deepEqual(lines, [
    "decision recorded: approved, approved with edits",
    "send_email finished",
    "x failed",
    "agent wrote its answer",
    "agent calls send_email",
    "agent asks approval for send_email",
  ]);
});

test("an edited call's record shows what the tool said, not the notice the gate gave the model", () => {
  const send = { tool_call_id: "call-1", name: "send_email", args: {} };
  const entry = { action_requests: [send], decisions: [{ type: "edit" }], decided_by: "ada" };
  const told = 'A human reviewer changed this call before it ran; it ran as send_email with arguments {"body": "Tool response: x"}.\n\nTool response: Email sent to g';
  assert.match(recordLine(entry, { "call-1": told }), /^Decided by ada: send_email approved with edits: done: Email sent to g$/);
});

test("progress says a rejected call was not run, not that it failed", () => {
  const entry = { action_requests: [{ tool_call_id: "c1", name: "send_email" }], decisions: [{ type: "reject" }] };
  const rejected = { type: "tool", name: "send_email", tool_call_id: "c1", status: "error", content: "rejected" };
  assert.deepEqual(progressLines({ approval: { hitl_history: [entry], messages: [rejected] } }), [
    "decision recorded: rejected",
    "send_email not run (rejected)",
  ]);
});
