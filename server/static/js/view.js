// What is on screen (`view`): one of the user's threads, read in full, or another user's request
// (an approver's view, the request only); what the URL names is shown from the server's state.

import { api, ApiError, approvalsOn, getState, GRAPH_ID, pendingRequests } from "./api.js";
import { renderConversation } from "./conversation.js";
import { $ } from "./dom.js";
import { renderChoice, renderRequest } from "./request.js";
import { approvalFromUrl, approvalHash, fromUrl, openApproval, requestFromUrl, threadFromUrl, threadHash } from "./urls.js";

export const view = {
  others: [], // GET /approvals, last read: other users' requests this user may answer
  shown: null, // the thread on screen: progress lines and re-renders belong to it alone
  as: null, // "thread" (the user's own, read in full) or "approval" (another user's: its requests only)
  request: null, // the request_id whose form is on screen, if any
  owner: null, // whose conversation an approval on screen is (kept once its requests are answered)
  updatedAt: null, // the thread's updated_at when the page last read it (js/live.js reads it again)
  busy: new Set(), // the threads this page is running an answer on (each shows its own progress)
};

// A thread's status as the reviewer reads it, not LangGraph's word for it.
const STATUS_WORDS = {
  interrupted: "waiting for a decision",
  busy: "working on it",
  idle: "nothing waits",
  error: "the last run failed",
};

// Mark the inbox entry of the request on screen.
export function markCurrent() {
  for (const button of document.querySelectorAll(".inbox button")) {
    const here = button.dataset.thread === view.shown && button.dataset.request === view.request;
    button.setAttribute("aria-current", String(here));
  }
}

// Nothing of the thread shown before stays on screen under this one's id, its request form least of all.
function switchTo(threadId, kind) {
  if (view.shown !== threadId || view.as !== kind) {
    $("progress").replaceChildren();
    $("conversation").replaceChildren();
    renderRequest(threadId, null, null, null);
    renderChoice(threadId, [], null);
    view.request = null;
    view.owner = null;
  }
  view.shown = threadId;
  view.as = kind;
  $("thread").hidden = false;
  $("thread-id").textContent = threadId;
  $("conversation").hidden = kind !== "thread";
  $("approval-note").hidden = kind !== "approval";
  $("thread-title").textContent = kind === "thread" ? "Conversation" : "Request";
}

// Nothing on screen: signing out leaves no thread, request or form of the user's for the next one.
export function leave() {
  switchTo(null, null); // (the thread, its request and its form: gone; view.shown and view.as: null)
  Object.assign(view, { updatedAt: null, others: [] });
  $("thread").hidden = true;
  $("thread-status").textContent = "";
}

// Show the thread as the server has it now, with the request `wanted` (by request_id)
// if it still waits, else the thread's first; returns its state.
export async function showThread(threadId, wanted = requestFromUrl(threadId)) {
  switchTo(threadId, "thread");
  const [thread, state] = await Promise.all([api("GET", `/threads/${threadId}`), getState(threadId)]);
  if (view.shown !== threadId || view.as !== "thread") return state; // another was opened meanwhile: it has the screen
  view.updatedAt = thread.updated_at;
  $("thread-status").textContent = STATUS_WORDS[thread.status] || thread.status;
  const values = state.values || {};
  renderConversation(values.messages || [], values.hitl_history || []);
  const requests = pendingRequests(state);
  const request = requests.find((r) => r.request_id === wanted) || requests[0] || null;
  const graphId = (thread.metadata && thread.metadata.graph_id) || GRAPH_ID; // answers go to the thread's own graph
  renderRequest(threadId, graphId, request, request && request.error, null, values.files);
  view.request = request && request.request_id;
  renderChoice(threadId, requests, view.request);
  if (request && threadFromUrl() === threadId && requestFromUrl(threadId) !== view.request) {
    history.replaceState(null, "", threadHash(threadId, view.request)); // a reload shows this one again
  }
  markCurrent();
  return state;
}

// Another user's request this user may answer (from the last GET /approvals): the request
// only. Their conversation is theirs; the page does not ask for it.
export function showApproval(threadId, wanted = requestFromUrl(threadId)) {
  switchTo(threadId, "approval");
  const items = view.others.filter((item) => item.thread_id === threadId);
  const item = items.find((i) => i.request.request_id === wanted) || items[0] || null;
  const owner = item ? ownerName(item) : view.owner;
  view.owner = owner;
  $("thread-title").textContent = owner ? `${owner}'s request` : "Request";
  $("thread-status").textContent = owner ? `${owner}'s conversation` : "another user's conversation";
  $("approval-note").textContent = item
    ? `The conversation is ${owner}'s: as an approver you see what they ask to run, and decide.`
    : "Nothing on this conversation waits for your decision now (answered, expired, or not yours to answer).";
  // (A refusal the request records was given to someone's earlier answer: not this user's, not shown.)
  renderRequest(threadId, item && item.graph_id, item && item.request, null, item && owner);
  view.request = item && item.request.request_id;
  renderChoice(threadId, items.map((i) => i.request), view.request, openApproval);
  if (item && approvalFromUrl() === threadId && requestFromUrl(threadId) !== view.request) {
    history.replaceState(null, "", approvalHash(threadId, view.request));
  }
  markCurrent();
}

export function ownerName(item) {
  if (!item.owner) return "an unknown owner";
  return item.owner_known === false ? `${item.owner} (no longer a user)` : item.owner;
}

// Show what the URL names: one of the user's threads, or another user's request.
export async function showFromUrl() {
  const approval = approvalFromUrl();
  const thread = threadFromUrl();
  if (approval) {
    await listThread(approval);
    showApproval(approval);
  } else if (thread) {
    try {
      await showThread(thread);
    } catch (error) {
      // A notice's link names the thread: for an approver it is another user's request.
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      await listThread(thread);
      if (!view.others.some((i) => i.thread_id === thread)) throw error;
      history.replaceState(null, "", approvalHash(thread, fromUrl("request")));
      showApproval(thread);
    }
  }
}

// Another user's thread a link names, past the pages the list has read: its requests, asked for.
async function listThread(threadId) {
  if (view.others.some((i) => i.thread_id === threadId)) return;
  const found = await approvalsOn(threadId); // (then the list as it is now: a live round may have read it meanwhile)
  if (!view.others.some((i) => i.thread_id === threadId)) view.others = [...view.others, ...found];
}
