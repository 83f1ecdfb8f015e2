// Live: every few seconds the page reads what changed elsewhere (a request made from the CLI, an
// answer from another tab or client, a run's progress) and shows it, without flicker and without
// losing what the reviewer is typing: the list is redrawn only when it changes, and the thread on
// screen only when the server's thread changed, its form kept while the request on it still waits.
// An approver's own answers are read again when one of other users' requests leaves the list.

import { api, ApiError, getState, pendingRequests, token } from "./api.js";
import { loadAnswered } from "./answered.js";
import { loadInbox } from "./list.js";
import { answering } from "./request.js";
import { showApproval, showThread, view } from "./view.js";

export const LIVE_MS = 3_000;

// The thread on screen, again, if the server's copy changed since the page last read it.
async function thread() {
  if (view.busy.has(view.shown)) return; // (this page's own answer shows itself)
  if (view.as === "approval") {
    const waits = view.others.some((i) => i.thread_id === view.shown && i.request.request_id === view.request);
    if (!waits && view.request) showApproval(view.shown); // answered or closed elsewhere
    return;
  }
  if (view.as !== "thread" || !view.shown) return;
  const threadId = view.shown;
  const { updated_at: updatedAt } = await api("GET", `/threads/${threadId}`);
  if (updatedAt === view.updatedAt) return;
  const waits = pendingRequests(await getState(threadId)).some((r) => r.request_id === view.request);
  if (view.shown !== threadId || view.busy.has(threadId)) return; // (what the screen shows changed meanwhile)
  if (waits && answering.current && answering.dirty) {
    view.updatedAt = updatedAt; // (its request still waits: the reviewer's input stays as it is)
    return;
  }
  await showThread(threadId, view.request);
}

// Other users' requests listed now, by thread and request.
function othersListed() {
  return new Set(view.others.map((item) => `${item.thread_id}/${item.request.request_id}`));
}

async function refresh() {
  const before = othersListed();
  await loadInbox();
  const after = othersListed();
  // One left the list: this approver may have answered it elsewhere (the CLI, another tab).
  if ([...before].some((request) => !after.has(request))) await loadAnswered();
  await thread();
}

// Start reading while `signedIn()`; `onUnauthorized` when the token stops being accepted (the
// token the round was sent with, still the page's: not one signed out or replaced meanwhile).
// Other failures wait for the next round (a restart of the server, say) and say nothing.
export function live(signedIn, onUnauthorized) {
  setInterval(async () => {
    if (document.hidden || !signedIn()) return;
    const sentWith = token();
    try {
      await refresh();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401 && token() === sentWith) onUnauthorized();
    }
  }, LIVE_MS);
}
