// Answering: a run streamed on the user's own thread, or an approver's answer through
// POST /approvals/{thread}; an answer that lost a race says so; starting a conversation.

import { api, ApiError, getState, GRAPH_ID, historyOf, pendingRequests, streamRun } from "./api.js";
import { progress, progressLines } from "./conversation.js";
import { loadAnswered } from "./answered.js";
import { $, notice } from "./dom.js";
import { loadInbox } from "./list.js";
import { decidedWord } from "./record.js";
import { answering, applyExpiry, newAnswerId, refused } from "./request.js";
import { isExpired } from "./time.js";
import { showApproval, showThread, view } from "./view.js";

const ALREADY_ANSWERED = "This request was already answered (in another tab or by another client); your answer was not applied.";

const NOT_WAITING = "This request no longer waits for your decision (answered by someone else, or closed); your answer was not applied.";

// Wait (up to a minute) until no run is busy on the thread.
async function untilSettled(threadId) {
  for (let i = 0; i < 200; i += 1) {
    if ((await api("GET", `/threads/${threadId}`)).status !== "busy") return;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

// Run `graphId` on the thread, streaming its progress; returns the thread's state once
// it stops. If another thread is opened meanwhile, this run's lines stay off screen and
// the view stays where the user went.
async function run(threadId, graphId, payload) {
  const here = (text, final) => {
    if (view.shown === threadId) progress(text, final);
  };
  if (view.shown === threadId) $("progress").replaceChildren();
  view.busy.add(threadId); // (js/live.js leaves the thread to this run meanwhile)
  try {
    await streamRun(threadId, graphId, payload, (update) => progressLines(update).forEach((line) => here(line)));
  } finally {
    view.busy.delete(threadId);
  }
  const state = view.shown === threadId ? await showThread(threadId) : await getState(threadId);
  const values = state.values || {};
  const messages = values.messages || [];
  const last = messages[messages.length - 1];
  const waiting = pendingRequests(state).length;
  if (waiting) here(waiting > 1 ? `${waiting} requests wait for your decision` : "waiting for your decision", true);
  else if (last && last.type === "ai") here("done: the agent's answer is in the conversation", true);
  await loadInbox();
  return state;
}

// Someone else's answer won: say so and show what the server has now.
async function alreadyAnswered(threadId) {
  notice(ALREADY_ANSWERED);
  await showThread(threadId);
  await loadInbox();
}

export async function submitDecisions(event) {
  event.preventDefault();
  if (!answering.current) return;
  if (isExpired(answering.current.request)) {
    applyExpiry(); // expired since the last tick: nothing is sent
    return;
  }
  const decisions = answering.current.controls.map((control) => control.read());
  if (decisions.some((d) => !d)) {
    $("request-error").hidden = false;
    const unchosen = $("actions").querySelector("[id$='-unchosen']:not([hidden])");
    $("request-error").textContent = unchosen
      ? "Choose a decision for each call: nothing was sent."
      : "Please fix the highlighted fields; nothing was sent.";
    return;
  }
  const button = $("submit-decisions");
  button.disabled = true;
  try {
    if (answering.current.owner) await answerForOwner(answering.current, decisions);
    else await answerOwn(answering.current, decisions);
  } finally {
    button.disabled = Boolean(answering.current) && isExpired(answering.current.request);
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
    if (view.shown === threadId && view.as === "approval") progress(text, final);
  };
  if (view.shown === threadId) $("progress").replaceChildren();
  const resume = { request_id: request.request_id, decisions, answer_id: newAnswerId() };
  let result;
  view.busy.add(threadId);
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
    if (view.shown === threadId && view.as === "approval") showApproval(threadId);
    return;
  } finally {
    view.busy.delete(threadId);
  }
  here(`decision recorded: ${decisions.map((d) => decidedWord(d.type)).join(", ")}`);
  // What waits for this user now, everywhere; and their record of this answer (who, when, what,
  // what became of each call), in their list of answers.
  await Promise.all([loadInbox(), loadAnswered()]);
  if (view.shown !== threadId || view.as !== "approval") return;
  const next = (result.pending || [])[0];
  showApproval(threadId, next && next.request_id);
  if (next) here("another request on this conversation waits for your decision", true);
  else here(`answered: ${owner}'s conversation is ${result.status || "on its way"} now`, true);
}

export async function startConversation(event) {
  event.preventDefault();
  const text = $("new-message").value.trim();
  if (!text) return;
  const thread = await api("POST", "/threads", { metadata: {} });
  $("new-message").value = "";
  history.replaceState(null, "", `#thread=${thread.thread_id}`);
  await showThread(thread.thread_id);
  await run(thread.thread_id, GRAPH_ID, { input: { messages: [{ role: "user", content: text }] } });
}
