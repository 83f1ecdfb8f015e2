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
"use strict";

const GRAPH_ID = "agent";
const PAGE = 50; // threads per search call; some servers refuse a limit over 100
const TOKEN_KEY = "approval-inbox-token";
const ALREADY_ANSWERED = "This request was already answered (in another tab or by another client); your answer was not applied.";
const DECISION_LABELS = { approve: "Approve", edit: "Edit", reject: "Reject", respond: "Respond" };

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

// The thread's state, then each subagent's state in it, recursively (agent/pending.py's walk).
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

// Each call with its own arguments, shortened: whatever the tool takes; and who asks, if a subagent does.
function summary(request) {
  const args = (a) => Object.entries(a.args).map(([key, value]) => `${key}: ${short(value, 30)}`).join(", ");
  const calls = request.action_requests.map((a) => `${a.name}(${short(args(a), 60)})`).join("; ");
  return request.subagent ? `${request.subagent} subagent asks to ${calls}` : calls;
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

function renderRequest(threadId, graphId, request, refusal) {
  const form = $("request");
  form.hidden = !request;
  $("request-error").hidden = !refusal;
  $("request-error").textContent = refusal ? `Your last answer was refused: ${refusal}` : "";
  current = null;
  if (!request) return;
  $("request-from").hidden = !request.subagent;
  $("request-from").textContent = request.subagent
    ? `${request.subagent} subagent asks to run this, for a task the agent delegated to it (task call ${request.task_call_id}).`
    : "";
  $("request-id").textContent = request.request_id;
  $("request-created").textContent = new Date(request.created_at).toLocaleString();
  const reviews = Object.fromEntries(request.review_configs.map((r) => [r.action_name, r]));
  const readers = [];
  const container = $("actions");
  container.replaceChildren();
  request.action_requests.forEach((action, index) => {
    const { box, read } = actionControls(action, reviews[action.name], index);
    container.append(box);
    readers.push(read);
  });
  current = { threadId, graphId, request, readers };
}

// With several requests waiting on the thread, one button each; the one on screen is current.
function renderChoice(threadId, requests, shownId) {
  $("thread-requests").hidden = requests.length < 2;
  $("thread-requests-count").textContent = String(requests.length);
  const list = $("thread-requests-list");
  list.replaceChildren();
  if (requests.length < 2) return;
  for (const request of requests) {
    const button = el("button", { type: "button", className: "quiet", textContent: summary(request) });
    button.setAttribute("aria-current", String(request.request_id === shownId));
    button.addEventListener("click", () => openThread(threadId, request.request_id));
    list.append(el("li", {}, button));
  }
}

let shown = null; // the thread on screen: progress lines and re-renders belong to it alone
let shownRequest = null; // the request_id whose form is on screen, if any

// Mark the inbox entry of the request on screen.
function markCurrent() {
  for (const button of document.querySelectorAll(".inbox button")) {
    const here = button.dataset.thread === shown && button.dataset.request === shownRequest;
    button.setAttribute("aria-current", String(here));
  }
}

// Show the thread as the server has it now, with the request `wanted` (by request_id)
// if it still waits, else the thread's first; returns its state.
async function showThread(threadId, wanted = requestFromUrl(threadId)) {
  if (shown !== threadId) {
    // Nothing of the thread shown before stays on screen under this one's id, its request form least of all.
    $("progress").replaceChildren();
    $("conversation").replaceChildren();
    renderRequest(threadId, null, null, null);
    renderChoice(threadId, [], null);
    shownRequest = null;
  }
  shown = threadId;
  $("thread").hidden = false;
  $("thread-id").textContent = threadId;
  const [thread, state] = await Promise.all([api("GET", `/threads/${threadId}`), getState(threadId)]);
  if (shown !== threadId) return state; // another thread was opened meanwhile: it has the screen
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

async function pendingOf(thread) {
  const own = thread.values && thread.values.pending_hitl;
  if (own) return [own]; // the thread's own request: no subagent runs while it waits
  return pendingRequests(await getState(thread.thread_id)); // its subagents', or servers that list no values
}

async function loadInbox() {
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
  items.sort((a, b) => b.request.created_at.localeCompare(a.request.created_at)); // newest first
  const list = $("inbox");
  list.replaceChildren();
  for (const { threadId, request } of items) {
    const button = el("button", { type: "button" }, summary(request), el("small", {
      textContent: `${new Date(request.created_at).toLocaleString()} · ${threadId.slice(0, 8)}`,
    }));
    button.dataset.thread = threadId;
    button.dataset.request = request.request_id;
    button.addEventListener("click", () => openThread(threadId, request.request_id));
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

function openThread(threadId, requestId) {
  location.hash = threadHash(threadId, requestId); // the hashchange handler shows it
}

function threadFromUrl() {
  const match = /thread=([\w-]+)/.exec(location.hash);
  return match ? match[1] : null;
}

// The request the URL names, if it names one on this thread.
function requestFromUrl(threadId) {
  const match = /request=([\w-]+)/.exec(location.hash);
  return match && threadFromUrl() === threadId ? match[1] : null;
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
  const decisions = current.readers.map((read) => read());
  if (decisions.some((d) => !d)) {
    $("request-error").hidden = false;
    $("request-error").textContent = "Please fix the highlighted fields; nothing was sent.";
    return;
  }
  const { threadId, graphId, request } = current;
  const button = $("submit-decisions");
  button.disabled = true;
  try {
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
  } finally {
    button.disabled = false;
  }
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
  const threadId = threadFromUrl();
  if (threadId) await showThread(threadId);
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
    const threadId = threadFromUrl();
    if (threadId && token()) guarded(() => showThread(threadId));
  });
  if (token()) guarded(enter);
  else signOut("");
}

main();
