// The request form on screen (`answering.current`), its expiry, a refusal of its answer, and the
// choice among several requests waiting on one thread.

import { summary } from "./conversation.js";
import { actionControls } from "./decision.js";
import { $, el } from "./dom.js";
import { countdown, isExpired } from "./time.js";
import { openThread } from "./urls.js";

// `current`: { threadId, graphId, request, controls, owner } for the request on screen (`controls`:
// each call's, with `read` and `describe` of its decision); `dirty`: the reviewer changed its form
// since it was drawn (a live refresh then leaves it be).
export const answering = { current: null, dirty: false };

export function newAnswerId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// The request's decision form; `owner` names the user who asked when the request is
// another user's (an approver's view), answered through /approvals.
export function renderRequest(threadId, graphId, request, refusal, owner = null, files = null) {
  const form = $("request");
  form.hidden = !request;
  $("request-error").hidden = !refusal;
  $("request-error").textContent = refusal ? `The last answer to this request was refused: ${refusal}` : "";
  $("request-expired").hidden = true;
  $("submit-decisions").disabled = false;
  answering.current = null;
  answering.dirty = false;
  showBatch();
  if (!request) {
    $("actions").replaceChildren(); // (hidden is not gone: no call of the request before stays in the page)
    $("request-id").textContent = "";
    $("request-from").textContent = "";
    return;
  }
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
  const controls = request.action_requests.map((action, index) => actionControls(action, reviews[action.name], index, files));
  $("actions").replaceChildren(...controls.map((control) => control.box));
  answering.current = { threadId, graphId, request, controls, owner };
  showBatch();
  applyExpiry();
}

// A batch of calls lists each call's decision above the button that sends them all.
export function showBatch() {
  const calls = answering.current ? answering.current.request.action_requests : [];
  const lines = calls.map((action, at) => `${action.name}: ${answering.current.controls[at].describe()}`);
  $("batch").hidden = calls.length < 2;
  const list = $("batch-list");
  if (lines.join("\n") === [...list.children].map((item) => item.textContent).join("\n")) return; // (nothing moves)
  list.replaceChildren(...lines.map((line) => el("li", { textContent: line })));
}

// Past its expires_at a request can no longer be answered: its form is disabled, and says so.
export function applyExpiry() {
  const expired = Boolean(answering.current) && isExpired(answering.current.request);
  $("request-expired").hidden = !expired;
  $("request").classList.toggle("expired", expired);
  if (!expired) return;
  const at = new Date(answering.current.request.expires_at).toLocaleString();
  $("request-expired").textContent = `This request expired at ${at}: it can no longer be answered.`;
  for (const control of $("request").querySelectorAll("input, textarea, select, button")) control.disabled = true;
}

// The server refused this user's answer (403: roles, separation of duties): say why; the form stays.
export function refused(request, detail) {
  if (!answering.current || answering.current.request.request_id !== request.request_id) return; // another is on screen now
  $("request-error").hidden = false;
  $("request-error").textContent = detail;
}

// With several requests waiting on the thread, one button each; the one on screen is current.
export function renderChoice(threadId, requests, shownId, open = openThread) {
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
