// The record of each answered request, in the conversation after the message that asked: who
// decided, when, what, and what became of each call (done, failed, not run, may have run). Read
// from the thread's `hitl_history` and its tool messages, so a reload shows it the same.

import { el, short } from "./dom.js";

const DECIDED = {
  approve: "approved",
  edit: "approved with edits",
  reject: "rejected",
  respond: "answered instead",
  dismiss: "dismissed",
};

// A decision's kind in words ("approve": "approved").
export function decidedWord(kind) {
  return DECIDED[kind] || kind;
}

// An edited call's result as the tool gave it: the gate tells the model first that a reviewer
// changed the call, and what ran (agent/approval/messages.py, `with_edit_notice`); the record
// already says so, in words.
// (The separator has a real line break: the notice's arguments, JSON, cannot hold one.)
const RESULT_MARKER = "\n\nTool response: ";

function toolsOwn(text) {
  const at = text ? text.indexOf(RESULT_MARKER) : -1;
  return at < 0 ? text : text.slice(at + RESULT_MARKER.length);
}

function when(at) {
  return at ? new Date(at).toLocaleString() : "";
}

// What became of one call of an answered request.
function outcome(action, decision, entry, results) {
  const recorded = (entry.outcomes || {})[action.tool_call_id];
  if (recorded) {
    if (recorded.status === "failed") return `it failed: ${short(recorded.detail || "", 160)}`;
    if (recorded.status === "interrupted") return "its run was stopped while carrying it out: it may have been carried out";
    return "not run";
  }
  if (decision.type !== "approve" && decision.type !== "edit") return "not run";
  const result = decision.type === "edit" ? toolsOwn(results[action.tool_call_id]) : results[action.tool_call_id];
  if (result) return `done: ${short(result, 160)}`;
  // A subagent's call: its tool message is in the subagent's thread; its report is the task's.
  const reported = entry.task_call_id && results[entry.task_call_id];
  return reported ? `done (the subagent reported back: ${short(reported, 160)})` : "running";
}

// The record of one answered request, as one line; `results` maps a tool call id to its result.
export function recordLine(entry, results) {
  const kinds = entry.decisions.map((d) => d.type);
  const at = when(entry.decided_at);
  const closed = kinds.every((k) => k === "expire") ? "Expired" : kinds.every((k) => k === "cancel") ? "Cancelled" : null;
  const calls = entry.action_requests.map((action, index) => {
    const decision = entry.decisions[index] || {};
    if (closed) {
      const detail = ((entry.outcomes || {})[action.tool_call_id] || {}).detail;
      return `${action.name} not run${detail ? ` (${short(detail, 160)})` : ""}`;
    }
    const said = decision.message ? ` (${short(decision.message, 120)})` : "";
    return `${action.name} ${decidedWord(decision.type)}${said}: ${outcome(action, decision, entry, results)}`;
  });
  const head = `${closed || `Decided by ${entry.decided_by || "you"}`}${at ? `, ${at}` : ""}`;
  return `${head}: ${calls.join("; ")}`;
}

// The record items to show after each message, by the message's id (the rest: `null`, at the end).
export function records(messages, history, text) {
  const results = Object.fromEntries(messages.filter((m) => m.type === "tool").map((m) => [m.tool_call_id, text(m)]));
  const asked = {}; // tool call id -> id of the AI message that made it
  for (const message of messages) for (const call of message.tool_calls || []) asked[call.id] = message.id;
  const after = new Map();
  for (const entry of history) {
    const call = entry.task_call_id || (entry.action_requests[0] || {}).tool_call_id;
    const at = asked[call] ?? null;
    if (!after.has(at)) after.set(at, []);
    after.get(at).push(el("li", { className: "record", textContent: recordLine(entry, results) }));
  }
  return after;
}
