// The approval inbox. Plain JavaScript, no build step, nothing loaded from elsewhere.
//
// It keeps no state of its own: the signed-in token (localStorage) and the open
// thread (the URL's #thread=...) are all it remembers; everything shown comes
// from the LangGraph API of the server that serves this page, so a reload at any
// moment shows what the server says. The contract it reads is docs/contract.md in the
// repo (served at /inbox/contract.md): values.pending_hitl, values.hitl_history, and
// resume {request_id, decisions}. It starts conversations on the default graph, `agent`,
// which pauses at a static breakpoint: a request is read from state, never from an
// interrupt. A request made inside a `task` subagent lives in the subagent's state
// (`subagent` names it), read with ?subgraphs=true; the thread's own pending_hitl is
// null meanwhile. A thread may wait on several (parallel subagents, `agent_interrupt`):
// each is answered on its own, by its request_id (the server addresses it).
//
// Every request carries expires_at: the page counts down to it on the browser's clock
// and disables the form once it has passed (the server refuses the answer then anyway).
// An approver (a role the policy names) also answers other users' requests: GET /approvals
// lists those, the request only (their conversation stays theirs: the page never asks
// for it), and POST /approvals/{thread_id} answers one on the approver's behalf.
"use strict";

const GRAPH_ID = "agent";
const PAGE = 50; // threads per search call; some servers refuse a limit over 100
const TOKEN_KEY = "approval-inbox-token";
const ALREADY_ANSWERED = "This request was already answered (in another tab or by another client); your answer was not applied.";
const NOT_WAITING = "This request no longer waits for your decision (answered by someone else, or closed); your answer was not applied.";
const DECISION_LABELS = { approve: "Approve", edit: "Edit", reject: "Reject", respond: "Respond" };
const TICK_MS = 20_000; // how often the time left is recomputed (the text changes once a minute)

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) node.append(child);
  return node;
};

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// --- talking to the server ---------------------------------------------------

function token() {
  return localStorage.getItem(TOKEN_KEY);
}

// Every API call: JSON, with the signed-in token. Throws ApiError unless 2xx.
async function request(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token()}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const data = await response.json();
      detail = data.detail || data.message || JSON.stringify(data);
    } catch (_) { /* not JSON: keep the status text */ }
    throw new ApiError(response.status, detail);
  }
  return response;
}

async function api(method, path, body) {
  const response = await request(method, path, body);
  return response.status === 204 ? null : response.json();
}

// Run a graph on a thread and call onUpdate for each completed step (SSE).
async function streamRun(threadId, graphId, payload, onUpdate) {
  const response = await request("POST", `/threads/${threadId}/runs/stream`, {
    assistant_id: graphId,
    stream_mode: ["updates"],
    multitask_strategy: "reject", // a second answer while the first runs gets 409
    ...payload,
  });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    // Servers end SSE lines with \r\n (sse-starlette) or \n: read both the same.
    buffer = (buffer + decoder.decode(value, { stream: true })).replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trim());
      }
      if (!data.length) continue;
      const parsed = JSON.parse(data.join("\n"));
      if (event === "error") throw new ApiError(500, parsed.message || JSON.stringify(parsed));
      if (event.startsWith("updates")) onUpdate(parsed);
    }
  }
}

// The thread's state with its subagents' (under tasks[i].state, nested ones too).
async function getState(threadId) {
  return api("GET", `/threads/${threadId}/state?subgraphs=true`);
}

// The thread's state, then each subagent's state in it, recursively (agent/approval/pending.py's walk).
function statesOf(state) {
  const found = [state];
  for (const task of state.tasks || []) {
    const sub = task && task.state;
    if (sub && typeof sub === "object" && "values" in sub) found.push(...statesOf(sub));
  }
  return found;
}

// Every request the thread waits on: its own, then its subagents'.
function pendingRequests(state) {
  return statesOf(state)
    .map((where) => (where.values || {}).pending_hitl)
    .filter((request) => request && request.request_id);
}

// The decisions recorded in the thread and in its subagents still running.
function historyOf(state) {
  return statesOf(state).flatMap((where) => (where.values || {}).hitl_history || []);
}


// --- rendering -------------------------------------------------------------------

function notice(text) {
  $("notice").textContent = text || "";
  $("notice").hidden = !text;
}

function short(value, limit = 80) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const flat = text.replace(/\s+/g, " ");
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}

// Each call with its own arguments, shortened: whatever the tool takes; and who asks, if a subagent
// does, or another user (`owner`, on requests an approver answers for them).
function summary(request, owner) {
  const args = (a) => Object.entries(a.args).map(([key, value]) => `${key}: ${short(value, 30)}`).join(", ");
  const calls = request.action_requests.map((a) => `${a.name}(${short(args(a), 60)})`).join("; ");
  const subagent = request.subagent ? `${request.subagent} subagent` : null;
  if (owner) return `${subagent ? `${owner}'s ${subagent}` : owner} asks to ${calls}`;
  return subagent ? `${subagent} asks to ${calls}` : calls;
}

// "expires in 23 h 59 min", "expires in 4 min", "expired": from expires_at, on the browser's clock.
function timeLeft(expiresAt, now = Date.now()) {
  const left = Date.parse(expiresAt) - now;
  if (Number.isNaN(left)) return "";
  if (left <= 0) return "expired";
  const minutes = Math.floor(left / 60_000);
  if (minutes < 1) return "expires in less than 1 min";
  const [days, hours, rest] = [Math.floor(minutes / 1440), Math.floor((minutes % 1440) / 60), minutes % 60];
  if (days) return `expires in ${days} d ${hours} h`;
  return hours ? `expires in ${hours} h ${rest} min` : `expires in ${rest} min`;
}

function isExpired(request) {
  return Boolean(request && request.expires_at) && Date.parse(request.expires_at) <= Date.now();
}

// Text that counts down to `expiresAt`: tick() keeps every such node current.
function countdown(node, expiresAt) {
  if (expiresAt) node.dataset.expires = expiresAt;
  else delete node.dataset.expires;
  node.textContent = expiresAt ? timeLeft(expiresAt) : "";
  node.classList.toggle("expired", isExpired({ expires_at: expiresAt }));
  return node;
}

function tick() {
  for (const node of document.querySelectorAll("[data-expires]")) countdown(node, node.dataset.expires);
  applyExpiry();
}

// A JSON-schema pattern, checked where JavaScript can read it (the server checks it anyway).
function matches(pattern, value) {
  try {
    return new RegExp(pattern, "u").test(value);
  } catch (_) {
    return true;
  }
}

function messageText(message) {
  if (typeof message.content === "string") return message.content;
  return (message.content || []).map((part) => part.text || "").join("");
}

function renderConversation(messages) {
  const list = $("conversation");
  list.replaceChildren();
  for (const message of messages) {
    const kind = message.type;
    const item = el("li", { className: kind });
    const who = { human: "You", ai: "Agent", tool: `Tool ${message.name || ""}` }[kind] || kind;
    item.append(el("span", { className: "who", textContent: `${who}:` }));
    const text = messageText(message);
    if (text) item.append(el("span", { textContent: text }));
    for (const call of message.tool_calls || []) {
      item.append(el("pre", { textContent: `${call.name} ${JSON.stringify(call.args, null, 2)}` }));
    }
    list.append(item);
  }
}

function progress(text, final = false) {
  $("progress").append(el("li", { textContent: text, className: final ? "final" : "" }));
}

function progressLines(update) {
  const lines = [];
  for (const [node, values] of Object.entries(update)) {
    if (node === "__interrupt__" || !values) continue;
    for (const entry of values.hitl_history || []) {
      lines.push(`decision recorded: ${entry.decisions.map((d) => d.type).join(", ")}`);
    }
    for (const message of values.messages || []) {
      if (message.type === "ai" && message.tool_calls && message.tool_calls.length) {
        lines.push(`agent calls ${message.tool_calls.map((c) => c.name).join(", ")}`);
      } else if (message.type === "tool") {
        lines.push(`${message.name || "tool"}: ${short(messageText(message), 120)}`);
      } else if (message.type === "ai") {
        lines.push(`agent: ${short(messageText(message), 200)}`);
      }
    }
    if (values.pending_hitl) {
      lines.push(`approval requested for ${values.pending_hitl.action_requests.length} call(s)`);
    }
  }
  return lines;
}

// One input per argument, from the tool's JSON schema; returns a reader that
// validates and collects the edited args (or null with errors shown).
function editForm(container, action, schema, idPrefix) {
  const props = (schema && schema.properties) || {};
  const required = new Set((schema && schema.required) || []);
  const names = Object.keys(props).length ? Object.keys(props) : Object.keys(action.args);
  const fields = [];
  for (const name of names) {
    const spec = props[name] || {};
    const id = `${idPrefix}-arg-${name}`;
    const label = el("label", { htmlFor: id, textContent: name + (required.has(name) ? " (required)" : "") });
    let input;
    const current = action.args[name];
    if (spec.type === "boolean") {
      input = el("input", { type: "checkbox", id, checked: Boolean(current) });
    } else if (Array.isArray(spec.enum)) {
      input = el("select", { id });
      for (const option of spec.enum) input.append(el("option", { value: option, textContent: option }));
      input.value = current ?? spec.enum[0];
    } else if (spec.type === "integer" || spec.type === "number") {
      input = el("input", { type: "number", id, value: current ?? "", step: spec.type === "integer" ? "1" : "any" });
    } else if (spec.type === "string" || spec.type === undefined) {
      const long = typeof current === "string" && (current.includes("\n") || current.length > 60);
      input = long ? el("textarea", { id, rows: 5 }) : el("input", { type: "text", id });
      input.value = typeof current === "string" ? current : current === undefined ? "" : JSON.stringify(current);
    } else {
      input = el("textarea", { id, rows: 3 });
      input.value = JSON.stringify(current ?? null, null, 2);
      input.dataset.json = "true";
    }
    const error = el("p", { className: "field-error", id: `${id}-error`, hidden: true });
    input.setAttribute("aria-describedby", error.id);
    if (spec.description) container.append(label, el("p", { className: "hint", textContent: spec.description }));
    else container.append(label);
    container.append(input, error);
    fields.push({ name, spec, input, error });
  }
  return () => {
    const args = {};
    let ok = true;
    for (const { name, spec, input, error } of fields) {
      let value;
      let problem = null;
      if (spec.type === "boolean") value = input.checked;
      else if (input.dataset.json) {
        try { value = JSON.parse(input.value); } catch (_) { problem = "must be valid JSON"; }
      } else if (spec.type === "integer" || spec.type === "number") {
        value = input.value === "" ? undefined : Number(input.value);
        if (value !== undefined && (Number.isNaN(value) || (spec.type === "integer" && !Number.isInteger(value)))) {
          problem = `must be ${spec.type === "integer" ? "a whole number" : "a number"}`;
        }
      } else value = input.value;
      if (!problem && required.has(name) && (value === undefined || value === "")) problem = "is required";
      if (!problem && typeof value === "string") {
        if (spec.minLength !== undefined && value.length < spec.minLength) problem = `needs at least ${spec.minLength} character(s)`;
        else if (spec.maxLength !== undefined && value.length > spec.maxLength) problem = `allows at most ${spec.maxLength} characters`;
        else if (spec.pattern && value !== "" && !matches(spec.pattern, value)) problem = "does not have the expected format";
      }
      error.hidden = !problem;
      error.textContent = problem ? `${name} ${problem}.` : "";
      input.setAttribute("aria-invalid", problem ? "true" : "false");
      if (problem) ok = false;
      else if (value !== undefined) args[name] = value;
    }
    return ok ? args : null;
  };
}

// The decision controls for one action request; returns a reader of its decision.
function actionControls(action, review, index) {
  const box = el("div", { className: "action" });
  const prefix = `action-${index}`;
  box.append(
    el("h4", { textContent: `${index + 1}. ${action.name}` }),
    el("p", { textContent: action.description }),
    el("pre", { textContent: JSON.stringify(action.args, null, 2), className: "args" }),
  );
  const allowed = review ? review.allowed_decisions : ["approve", "reject"];
  const fieldset = el("fieldset");
  fieldset.append(el("legend", { textContent: `Decision for ${action.name}` }));
  const choices = el("div", { className: "choices" });
  const extras = {};
  for (const kind of allowed) {
    const id = `${prefix}-${kind}`;
    const radio = el("input", { type: "radio", name: `${prefix}-decision`, id, value: kind, checked: kind === allowed[0] });
    choices.append(el("label", { htmlFor: id }, radio, DECISION_LABELS[kind] || kind));
  }
  fieldset.append(choices);
  box.append(fieldset);

  let readArgs = null;
  if (allowed.includes("edit")) {
    const editBox = el("div", { className: "edit", hidden: true });
    readArgs = editForm(editBox, action, review && review.args_schema, prefix);
    extras.edit = editBox;
    box.append(editBox);
  }
  for (const kind of ["reject", "respond"]) {
    if (!allowed.includes(kind)) continue;
    const id = `${prefix}-${kind}-message`;
    const text = kind === "reject" ? "Reason (optional, told to the agent)" : "Response (given to the agent as the tool's result)";
    const wrap = el("div", { hidden: true });
    wrap.append(el("label", { htmlFor: id, textContent: text }), el("textarea", { id, rows: 2 }));
    extras[kind] = wrap;
    box.append(wrap);
  }
  const chosen = () => box.querySelector(`input[name="${prefix}-decision"]:checked`).value;
  const sync = () => {
    for (const [kind, node] of Object.entries(extras)) node.hidden = kind !== chosen();
  };
  fieldset.addEventListener("change", sync);
  sync();

  const read = () => {
    const kind = chosen();
    if (kind === "approve") return { type: "approve" };
    if (kind === "edit") {
      const args = readArgs();
      return args && { type: "edit", edited_action: { name: action.name, args } };
    }
    const message = $(`${prefix}-${kind}-message`).value.trim();
    if (kind === "respond" && !message) {
      $(`${prefix}-${kind}-message`).setAttribute("aria-invalid", "true");
      return null;
    }
    return message ? { type: kind, message } : { type: kind };
  };
  return { box, read };
}

let current = null; // { threadId, graphId, request, readers } for the request on screen

function newAnswerId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// The request's decision form; `owner` names the user who asked when the request is
// another user's (an approver's view), answered through /approvals.
function renderRequest(threadId, graphId, request, refusal, owner = null) {
  const form = $("request");
  form.hidden = !request;
  $("request-error").hidden = !refusal;
  $("request-error").textContent = refusal ? `Your last answer was refused: ${refusal}` : "";
  $("request-expired").hidden = true;
  $("submit-decisions").disabled = false;
  current = null;
  if (!request) return;
  const delegated = request.subagent
    ? `${request.subagent} subagent asks to run this, for a task the agent delegated to it (task call ${request.task_call_id}).`
    : "";
  $("request-from").hidden = !request.subagent && !owner;
  if (owner) {
    $("request-from").textContent = delegated ? `${owner}'s ${delegated}` : `${owner} asks to run this.`;
  } else {
    $("request-from").textContent = delegated;
  }
  $("request-id").textContent = request.request_id;
  $("request-created").textContent = new Date(request.created_at).toLocaleString();
  $("request-expiry").hidden = !request.expires_at;
  countdown($("request-expires"), request.expires_at);
  const reviews = Object.fromEntries(request.review_configs.map((r) => [r.action_name, r]));
  const readers = [];
  const container = $("actions");
  container.replaceChildren();
  request.action_requests.forEach((action, index) => {
    const { box, read } = actionControls(action, reviews[action.name], index);
    container.append(box);
    readers.push(read);
  });
  current = { threadId, graphId, request, readers, owner };
  applyExpiry();
}

// Past its expires_at a request can no longer be answered: its form is disabled, and says so.
function applyExpiry() {
  const expired = Boolean(current) && isExpired(current.request);
  $("request-expired").hidden = !expired;
  $("request").classList.toggle("expired", expired);
  if (!expired) return;
  const at = new Date(current.request.expires_at).toLocaleString();
  $("request-expired").textContent = `This request expired at ${at}: it can no longer be answered.`;
  for (const control of $("request").querySelectorAll("input, textarea, select, button")) control.disabled = true;
}

// The server refused this user's answer (403: roles, separation of duties): say why; the form stays.
function refused(request, detail) {
  if (!current || current.request.request_id !== request.request_id) return; // another is on screen now
  $("request-error").hidden = false;
  $("request-error").textContent = detail;
}

// With several requests waiting on the thread, one button each; the one on screen is current.
function renderChoice(threadId, requests, shownId, open = openThread) {
  $("thread-requests").hidden = requests.length < 2;
  $("thread-requests-count").textContent = String(requests.length);
  const list = $("thread-requests-list");
  list.replaceChildren();
  if (requests.length < 2) return;
  for (const request of requests) {
    const button = el("button", { type: "button", className: "quiet", textContent: summary(request) });
    button.setAttribute("aria-current", String(request.request_id === shownId));
    button.addEventListener("click", () => open(threadId, request.request_id));
    list.append(el("li", {}, button));
  }
}

let others = []; // GET /approvals, last read: other users' requests this user may answer
let shown = null; // the thread on screen: progress lines and re-renders belong to it alone
let shownAs = null; // "thread" (the user's own, read in full) or "approval" (another user's: its requests only)
let shownRequest = null; // the request_id whose form is on screen, if any
let shownOwner = null; // whose conversation an approval on screen is (kept once its requests are answered)

// Mark the inbox entry of the request on screen.
function markCurrent() {
  for (const button of document.querySelectorAll(".inbox button")) {
    const here = button.dataset.thread === shown && button.dataset.request === shownRequest;
    button.setAttribute("aria-current", String(here));
  }
}

// Nothing of the thread shown before stays on screen under this one's id, its request form least of all.
function switchTo(threadId, kind) {
  if (shown !== threadId || shownAs !== kind) {
    $("progress").replaceChildren();
    $("conversation").replaceChildren();
    renderRequest(threadId, null, null, null);
    renderChoice(threadId, [], null);
    shownRequest = null;
    shownOwner = null;
  }
  shown = threadId;
  shownAs = kind;
  $("thread").hidden = false;
  $("thread-id").textContent = threadId;
  $("conversation").hidden = kind !== "thread";
  $("approval-note").hidden = kind !== "approval";
  $("thread-title").textContent = kind === "thread" ? "Conversation" : "Request";
}

// Show the thread as the server has it now, with the request `wanted` (by request_id)
// if it still waits, else the thread's first; returns its state.
async function showThread(threadId, wanted = requestFromUrl(threadId)) {
  switchTo(threadId, "thread");
  const [thread, state] = await Promise.all([api("GET", `/threads/${threadId}`), getState(threadId)]);
  if (shown !== threadId || shownAs !== "thread") return state; // another was opened meanwhile: it has the screen
  $("thread-status").textContent = thread.status;
  const values = state.values || {};
  renderConversation(values.messages || []);
  const requests = pendingRequests(state);
  const request = requests.find((r) => r.request_id === wanted) || requests[0] || null;
  const graphId = (thread.metadata && thread.metadata.graph_id) || GRAPH_ID; // answers go to the thread's own graph
  renderRequest(threadId, graphId, request, request && request.error);
  shownRequest = request && request.request_id;
  renderChoice(threadId, requests, shownRequest);
  if (request && threadFromUrl() === threadId && requestFromUrl(threadId) !== shownRequest) {
    history.replaceState(null, "", threadHash(threadId, shownRequest)); // a reload shows this one again
  }
  markCurrent();
  return state;
}

// Another user's request this user may answer (from the last GET /approvals): the request
// only. Their conversation is theirs; the page does not ask for it.
function showApproval(threadId, wanted = requestFromUrl(threadId)) {
  switchTo(threadId, "approval");
  const items = others.filter((item) => item.thread_id === threadId);
  const item = items.find((i) => i.request.request_id === wanted) || items[0] || null;
  const owner = item ? ownerName(item) : shownOwner;
  shownOwner = owner;
  $("thread-title").textContent = owner ? `${owner}'s request` : "Request";
  $("thread-status").textContent = owner ? `${owner}'s conversation` : "another user's conversation";
  $("approval-note").textContent = item
    ? `The conversation is ${owner}'s: as an approver you see what they ask to run, and decide.`
    : "Nothing on this conversation waits for your decision now (answered, expired, or not yours to answer).";
  // (A refusal the request records was given to someone's earlier answer: not this user's, not shown.)
  renderRequest(threadId, item && item.graph_id, item && item.request, null, item && owner);
  shownRequest = item && item.request.request_id;
  renderChoice(threadId, items.map((i) => i.request), shownRequest, openApproval);
  if (item && approvalFromUrl() === threadId && requestFromUrl(threadId) !== shownRequest) {
    history.replaceState(null, "", approvalHash(threadId, shownRequest));
  }
  markCurrent();
}

function ownerName(item) {
  if (!item.owner) return "an unknown owner";
  return item.owner_known === false ? `${item.owner} (no longer a user)` : item.owner;
}

async function pendingOf(thread) {
  const own = thread.values && thread.values.pending_hitl;
  if (own) return [own]; // the thread's own request: no subagent runs while it waits
  return pendingRequests(await getState(thread.thread_id)); // its subagents', or servers that list no values
}

// The user's own requests: every interrupted thread of theirs, and the requests waiting on it.
async function ownRequests() {
  const items = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await api("POST", "/threads/search", {
      status: "interrupted", limit: PAGE, offset, sort_by: "updated_at", sort_order: "desc",
    });
    for (const thread of page) {
      for (const request of await pendingOf(thread)) items.push({ threadId: thread.thread_id, request });
    }
    if (page.length < PAGE) break;
  }
  return items;
}

// Other users' requests this user may answer (an approver's); none on a server without /approvals.
async function othersRequests() {
  let listed;
  try {
    listed = await api("GET", "/approvals");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw error;
    return [];
  }
  // (only other users': the user's own threads are read in full above)
  return (Array.isArray(listed) ? listed : []).filter((item) => item && item.request);
}

async function loadInbox() {
  const [own, theirs] = await Promise.all([ownRequests(), othersRequests()]);
  others = theirs;
  const items = [
    ...own,
    ...theirs.map((item) => ({ threadId: item.thread_id, request: item.request, owner: ownerName(item) })),
  ];
  items.sort((a, b) => b.request.created_at.localeCompare(a.request.created_at)); // newest first
  const list = $("inbox");
  list.replaceChildren();
  for (const { threadId, request, owner } of items) {
    const when = `${new Date(request.created_at).toLocaleString()} · ${threadId.slice(0, 8)}`;
    const small = el("small", {}, request.expires_at ? `${when} · ` : when);
    if (request.expires_at) small.append(countdown(el("span", { className: "expires" }), request.expires_at));
    const button = el("button", { type: "button" }, summary(request, owner), small);
    button.dataset.thread = threadId;
    button.dataset.request = request.request_id;
    if (owner) button.dataset.owner = owner;
    const open = owner ? openApproval : openThread;
    button.addEventListener("click", () => open(threadId, request.request_id));
    list.append(el("li", {}, button));
  }
  $("inbox-count").textContent = `(${items.length})`;
  $("inbox-empty").hidden = items.length > 0;
  markCurrent();
}

// Wait (up to a minute) until no run is busy on the thread.
async function untilSettled(threadId) {
  for (let i = 0; i < 200; i += 1) {
    if ((await api("GET", `/threads/${threadId}`)).status !== "busy") return;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

function threadHash(threadId, requestId) {
  return requestId ? `#thread=${threadId}&request=${requestId}` : `#thread=${threadId}`;
}

// Another user's request: its own kind of link, so a reload never asks for their thread.
function approvalHash(threadId, requestId) {
  return requestId ? `#approval=${threadId}&request=${requestId}` : `#approval=${threadId}`;
}

function openThread(threadId, requestId) {
  location.hash = threadHash(threadId, requestId); // the hashchange handler shows it
}

function openApproval(threadId, requestId) {
  location.hash = approvalHash(threadId, requestId);
}

function fromUrl(key) {
  const match = new RegExp(`(?:^#|&)${key}=([\\w-]+)`).exec(location.hash);
  return match ? match[1] : null;
}

function threadFromUrl() {
  return fromUrl("thread");
}

function approvalFromUrl() {
  return fromUrl("approval");
}

// The request the URL names, if it names one on this thread.
function requestFromUrl(threadId) {
  const named = fromUrl("request");
  return named && (threadFromUrl() === threadId || approvalFromUrl() === threadId) ? named : null;
}

// Show what the URL names: one of the user's threads, or another user's request.
async function showFromUrl() {
  const approval = approvalFromUrl();
  const thread = threadFromUrl();
  if (approval) showApproval(approval);
  else if (thread) {
    try {
      await showThread(thread);
    } catch (error) {
      // A notice's link names the thread: for an approver it is another user's request.
      if (!(error instanceof ApiError && error.status === 404 && others.some((i) => i.thread_id === thread))) throw error;
      history.replaceState(null, "", approvalHash(thread, fromUrl("request")));
      showApproval(thread);
    }
  }
}

// Run something that talks to the server; turn failures into one plain sentence.
async function guarded(action) {
  try {
    notice("");
    await action();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut("Your token was not accepted. Please sign in again.");
    } else if (error instanceof ApiError && error.status === 404) {
      notice("That conversation does not exist, or is not yours.");
    } else {
      notice(error.message || String(error));
    }
  }
}

// Run `graphId` on the thread, streaming its progress; returns the thread's state once
// it stops. If another thread is opened meanwhile, this run's lines stay off screen and
// the view stays where the user went.
async function run(threadId, graphId, payload) {
  const here = (text, final) => {
    if (shown === threadId) progress(text, final);
  };
  if (shown === threadId) $("progress").replaceChildren();
  await streamRun(threadId, graphId, payload, (update) => progressLines(update).forEach((line) => here(line)));
  const state = shown === threadId ? await showThread(threadId) : await getState(threadId);
  const values = state.values || {};
  const messages = values.messages || [];
  const last = messages[messages.length - 1];
  const waiting = pendingRequests(state).length;
  if (waiting) here(waiting > 1 ? `${waiting} requests wait for your decision` : "waiting for your decision", true);
  else if (last && last.type === "ai") here(`final answer: ${messageText(last)}`, true);
  await loadInbox();
  return state;
}

// Someone else's answer won: say so and show what the server has now.
async function alreadyAnswered(threadId) {
  notice(ALREADY_ANSWERED);
  await showThread(threadId);
  await loadInbox();
}

async function submitDecisions(event) {
  event.preventDefault();
  if (!current) return;
  if (isExpired(current.request)) {
    applyExpiry(); // expired since the last tick: nothing is sent
    return;
  }
  const decisions = current.readers.map((read) => read());
  if (decisions.some((d) => !d)) {
    $("request-error").hidden = false;
    $("request-error").textContent = "Please fix the highlighted fields; nothing was sent.";
    return;
  }
  const button = $("submit-decisions");
  button.disabled = true;
  try {
    if (current.owner) await answerForOwner(current, decisions);
    else await answerOwn(current, decisions);
  } finally {
    button.disabled = Boolean(current) && isExpired(current.request);
  }
}

// An answer to one of the user's own requests: run the thread's graph on it, streaming.
async function answerOwn({ threadId, graphId, request }, decisions) {
  // Answered elsewhere meanwhile (another tab, another client)? Say so, send nothing.
  const waiting = pendingRequests(await getState(threadId));
  if (!waiting.some((r) => r.request_id === request.request_id)) {
    await alreadyAnswered(threadId);
    return;
  }
  const answerId = newAnswerId();
  const resume = { request_id: request.request_id, decisions, answer_id: answerId };
  let state;
  try {
    state = await run(threadId, graphId, { command: { resume } });
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      refused(request, error.message); // e.g. separation of duties: another approver must answer; it stays listed
      return;
    }
    if (!(error instanceof ApiError && error.status === 409)) throw error;
    // 409: another answer to this thread is running right now. Show its outcome once done.
    notice(ALREADY_ANSWERED);
    await untilSettled(threadId);
    await alreadyAnswered(threadId);
    return;
  }
  // An answer that arrives after another finished changes nothing; the history says whose won.
  const entries = historyOf(state).filter((e) => e.request_id === request.request_id);
  if (entries.length && !entries.some((e) => e.answer_id === answerId)) await alreadyAnswered(threadId);
}

// An approver's answer to another user's request: the server runs it on their behalf, and
// says what still waits for this user there; the conversation itself stays unread.
async function answerForOwner({ threadId, request, owner }, decisions) {
  const here = (text, final) => {
    if (shown === threadId && shownAs === "approval") progress(text, final);
  };
  if (shown === threadId) $("progress").replaceChildren();
  const resume = { request_id: request.request_id, decisions, answer_id: newAnswerId() };
  let result;
  try {
    result = await api("POST", `/approvals/${threadId}`, { resume });
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      refused(request, error.message); // not this user's to answer (and why): the form stays
      return;
    }
    if (!(error instanceof ApiError && error.status === 409)) throw error;
    notice(NOT_WAITING); // 409: answered meanwhile, or not pending any more
    await loadInbox();
    if (shown === threadId && shownAs === "approval") showApproval(threadId);
    return;
  }
  here(`decision recorded: ${decisions.map((d) => d.type).join(", ")}`);
  await loadInbox(); // what waits for this user now, everywhere
  if (shown !== threadId || shownAs !== "approval") return;
  const next = (result.pending || [])[0];
  showApproval(threadId, next && next.request_id);
  if (next) here("another request on this conversation waits for your decision", true);
  else here(`answered: ${owner}'s conversation is ${result.status || "on its way"} now`, true);
}

async function startConversation(event) {
  event.preventDefault();
  const text = $("new-message").value.trim();
  if (!text) return;
  const thread = await api("POST", "/threads", { metadata: {} });
  $("new-message").value = "";
  history.replaceState(null, "", `#thread=${thread.thread_id}`);
  await showThread(thread.thread_id);
  await run(thread.thread_id, GRAPH_ID, { input: { messages: [{ role: "user", content: text }] } });
}

// --- signing in ------------------------------------------------------------------

async function whoAmI() {
  return (await api("GET", "/inbox/api/me")).user;
}

function signOut(message) {
  localStorage.removeItem(TOKEN_KEY);
  others = [];
  $("app").hidden = true;
  $("who").hidden = true;
  $("sign-in").hidden = false;
  notice(message || "");
  $("token").focus();
}

async function enter() {
  const user = await whoAmI();
  $("who-name").textContent = user;
  $("who").hidden = false;
  $("sign-in").hidden = true;
  $("app").hidden = false;
  await loadInbox();
  await showFromUrl();
}

function main() {
  $("sign-in-form").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(TOKEN_KEY, $("token").value.trim());
    $("token").value = "";
    guarded(enter);
  });
  $("sign-out").addEventListener("click", () => signOut(""));
  $("new-form").addEventListener("submit", (event) => guarded(() => startConversation(event)));
  $("request").addEventListener("submit", (event) => guarded(() => submitDecisions(event)));
  $("refresh").addEventListener("click", () => guarded(loadInbox));
  window.addEventListener("hashchange", () => {
    if (token()) guarded(showFromUrl);
  });
  setInterval(tick, TICK_MS); // time left, and forms of requests that expire while shown
  if (token()) guarded(enter);
  else signOut("");
}

main();
