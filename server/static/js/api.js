// Talking to the server: the LangGraph API with the signed-in token, runs streamed (SSE), a thread's
// state and the requests it waits on (its own, then its subagents': agent/approval/pending.py's walk).

export const GRAPH_ID = "agent";

export const TOKEN_KEY = "approval-inbox-token";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function token() {
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

export async function api(method, path, body) {
  const response = await request(method, path, body);
  return response.status === 204 ? null : response.json();
}

// GET /approvals a page at a time: `pages` pages of `limit`, each from where the last ended (the
// X-Pagination-Next header is the next page's cursor). `fetchPage(query)` -> { items, next }.
// What they list, and whether there is more.
export async function collectPages(fetchPage, pages, limit = 50) {
  const items = [];
  let cursor = null;
  for (let n = 0; n < pages; n++) {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
    const page = await fetchPage(query.toString());
    items.push(...(Array.isArray(page.items) ? page.items : []));
    cursor = page.next || null;
    if (!cursor) break;
  }
  return { items, more: cursor !== null };
}

export async function approvalsPage(query) {
  const response = await request("GET", `/approvals?${query}`);
  return { items: await response.json(), next: response.headers.get("X-Pagination-Next") };
}

// The requests this user may answer on one other user's thread (GET /approvals?thread_id=): what a
// notice's link opens, which may be past the pages the list has read. None on a server without it.
export async function approvalsOn(threadId) {
  try {
    const { items } = await approvalsPage(new URLSearchParams({ thread_id: threadId }).toString());
    // (a server without the filter gives its first page: only this thread's are these)
    return Array.isArray(items) ? items.filter((item) => item && item.request && item.thread_id === threadId) : [];
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw error;
    return [];
  }
}

// Run a graph on a thread and call onUpdate for each completed step (SSE).
export async function streamRun(threadId, graphId, payload, onUpdate) {
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
export async function getState(threadId) {
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
export function pendingRequests(state) {
  return statesOf(state)
    .map((where) => (where.values || {}).pending_hitl)
    .filter((request) => request && request.request_id);
}

// The decisions recorded in the thread and in its subagents still running.
export function historyOf(state) {
  return statesOf(state).flatMap((where) => (where.values || {}).hitl_history || []);
}
