// The inbox list: the user's own requests (every interrupted thread of theirs) and, for an approver,
// other users' requests from GET /approvals, newest first.

import { api, ApiError, approvalsOn, approvalsPage, collectPages, getState, pendingRequests } from "./api.js";
import { summary } from "./conversation.js";
import { $, el } from "./dom.js";
import { countdown } from "./time.js";
import { openApproval, openThread } from "./urls.js";
import { markCurrent, ownerName, view } from "./view.js";

const PAGE = 50; // threads per search call; some servers refuse a limit over 100

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

// Other users' requests this user may answer (an approver's), newest first, `shown.pages` pages of
// them; none on a server without /approvals.
async function othersRequests() {
  let found;
  try {
    found = await collectPages(approvalsPage, shown.pages);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw error;
    found = { items: [], more: false };
  }
  shown.more = found.more;
  // (only other users': the user's own threads are read in full above)
  return found.items.filter((item) => item && item.request);
}

// The request on screen when it is past the pages read (opened from a notice's link): its thread's,
// asked for by id, so that it stays up to date as the listed ones do. They are not listed.
async function shownElsewhere(theirs) {
  const threadId = view.as === "approval" ? view.shown : null;
  return threadId && !theirs.some((item) => item.thread_id === threadId) ? approvalsOn(threadId) : [];
}

export async function loadInbox() {
  const [own, theirs] = await Promise.all([ownRequests(), othersRequests()]);
  view.others = [...theirs, ...(await shownElsewhere(theirs))];
  const items = [
    ...own,
    ...theirs.map((item) => ({ threadId: item.thread_id, request: item.request, owner: ownerName(item) })),
  ];
  items.sort((a, b) => b.request.created_at.localeCompare(a.request.created_at)); // newest first
  const seen = JSON.stringify([shown.more, items.map(({ threadId, request, owner }) => [threadId, request.request_id, owner])]);
  if (seen === listed.last) return; // the same list: nothing redrawn, no flicker, focus kept
  listed.last = seen;
  const list = $("inbox");
  const focused = document.activeElement && document.activeElement.closest("#inbox") && document.activeElement.dataset.request;
  list.replaceChildren();
  for (const { threadId, request, owner } of items) {
    const when = `${new Date(request.created_at).toLocaleString()} · ${threadId.slice(-8)}`; // (the end: a UUID v7 starts with its time)
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
  $("inbox-count").textContent = shown.more ? `(${items.length}+)` : `(${items.length})`;
  $("inbox-more").hidden = !shown.more;
  $("inbox-empty").hidden = items.length > 0;
  markCurrent();
  if (focused) list.querySelector(`button[data-request="${CSS.escape(focused)}"]`)?.focus();
}

// What the list last drew (`loadInbox` redraws it only when that changes).
const listed = { last: null };
// How many pages of other users' requests it shows (one, until "Show more"), and whether there are more.
const shown = { pages: 1, more: false };

export function forgetList() {
  listed.last = null;
  shown.pages = 1;
}

export async function showMore() {
  shown.pages += 1;
  await loadInbox();
}
