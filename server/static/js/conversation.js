// The conversation and the run's progress, as text: messages, a request's one-line summary, progress lines.

import { $, el, short } from "./dom.js";
import { markdown } from "./markdown.js";
import { decidedWord, records } from "./record.js";

// Each call with its own arguments, shortened: whatever the tool takes; and who asks, if a subagent
// does, or another user (`owner`, on requests an approver answers for them).
export function summary(request, owner) {
  const args = (a) => Object.entries(a.args).map(([key, value]) => `${key}: ${short(value, 30)}`).join(", ");
  const calls = request.action_requests.map((a) => `${a.name}(${short(args(a), 60)})`).join("; ");
  const subagent = request.subagent ? `${request.subagent} subagent` : null;
  if (owner) return `${subagent ? `${owner}'s ${subagent}` : owner} asks to ${calls}`;
  return subagent ? `${subagent} asks to ${calls}` : calls;
}

export function messageText(message) {
  if (typeof message.content === "string") return message.content;
  return (message.content || []).map((part) => part.text || "").join("");
}

// The messages, each answered request's record after the message that asked (`history`: hitl_history).
export function renderConversation(messages, history = []) {
  const list = $("conversation");
  list.replaceChildren();
  const recorded = records(messages, history, messageText);
  const reviewed = new Set(history.flatMap((entry) => entry.action_requests.map((a) => a.tool_call_id)));
  for (const message of messages) {
    const kind = message.type;
    const item = el("li", { className: kind });
    const who = { human: "You", ai: "Agent", tool: `Tool ${message.name || ""}` }[kind] || kind;
    item.append(el("span", { className: "who", textContent: `${who}:` }));
    const text = messageText(message);
    if (text) item.append(kind === "ai" ? markdown(text) : told(text, reviewed.has(message.tool_call_id)));
    for (const call of message.tool_calls || []) {
      // One line per call: its arguments in full are in the request, shown once.
      item.append(el("p", { className: "call", textContent: `asks to ${summary({ action_requests: [call] })}` }));
    }
    list.append(item, ...(recorded.get(message.id) || []));
  }
  list.append(...(recorded.get(null) || []));
}

// A tool's result; a reviewed call's is the model's to read (its record says what became of the call).
function told(text, reviewed) {
  if (!reviewed) return el("span", { textContent: text });
  const summary = el("summary", { textContent: "what the agent was told" });
  return el("details", { className: "told" }, summary, el("div", { className: "value", textContent: text }));
}

export function progress(text, final = false) {
  $("progress").append(el("li", { textContent: text, className: final ? "final" : "" }));
}

// What a run did, step by step, in words: each step once, no outcome text and no model text (both are
// in the conversation, the record of each answered request and the agent's answer, when the run ends).
export function progressLines(update) {
  const lines = [];
  for (const [node, values] of Object.entries(update)) {
    if (node === "__interrupt__" || !values) continue;
    const notRun = {}; // tool call id -> the decision that kept it from running (its message is the gate's)
    for (const entry of values.hitl_history || []) {
      lines.push(`decision recorded: ${entry.decisions.map((d) => decidedWord(d.type)).join(", ")}`);
      (entry.action_requests || []).forEach((action, i) => {
        const kind = (entry.decisions[i] || {}).type;
        if (kind !== "approve" && kind !== "edit") notRun[action.tool_call_id] = decidedWord(kind);
      });
    }
    for (const message of values.messages || []) {
      if (message.type === "ai" && message.tool_calls && message.tool_calls.length) {
        lines.push(`agent calls ${message.tool_calls.map((c) => c.name).join(", ")}`);
      } else if (message.type === "tool" && notRun[message.tool_call_id]) {
        lines.push(`${message.name || "a tool"} not run (${notRun[message.tool_call_id]})`);
      } else if (message.type === "tool") {
        lines.push(`${message.name || "a tool"} ${message.status === "error" ? "failed" : "finished"}`);
      } else if (message.type === "ai") {
        lines.push("agent wrote its answer");
      }
    }
    if (values.pending_hitl) {
      lines.push(`agent asks approval for ${values.pending_hitl.action_requests.map((a) => a.name).join(", ")}`);
    }
  }
  return lines;
}
