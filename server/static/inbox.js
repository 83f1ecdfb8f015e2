// The approval inbox: signing in, and the page's events. Plain JavaScript modules (this entry
// and js/*.js, one concept each), no build step, nothing loaded from elsewhere.
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
// for it), POST /approvals/{thread_id} answers one on the approver's behalf, and
// GET /approvals/answered is the approver's record of their answers.

import { startConversation, submitDecisions } from "./js/answer.js";
import { forgetAnswered, loadAnswered } from "./js/answered.js";
import { api, ApiError, token, TOKEN_KEY } from "./js/api.js";
import { $, notice } from "./js/dom.js";
import { forgetList, loadInbox, showMore } from "./js/list.js";
import { live } from "./js/live.js";
import { answering, applyExpiry, showBatch } from "./js/request.js";
import { countdown, TICK_MS } from "./js/time.js";
import { leave, showFromUrl } from "./js/view.js";

function tick() {
  for (const node of document.querySelectorAll("[data-expires]")) countdown(node, node.dataset.expires);
  applyExpiry();
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

async function whoAmI() {
  return (await api("GET", "/inbox/api/me")).user;
}

// Signing out forgets the token and everything shown; `explicit` (the button) also forgets the
// thread the URL names, which a token that stopped working keeps for the sign-in that follows.
function signOut(message, explicit = false) {
  localStorage.removeItem(TOKEN_KEY);
  leave();
  forgetList(); // (the next user's list is drawn whole)
  forgetAnswered();
  if (explicit) history.replaceState(null, "", location.pathname + location.search);
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
  await loadAnswered();
}

function main() {
  $("sign-in-form").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(TOKEN_KEY, $("token").value.trim());
    $("token").value = "";
    guarded(enter);
  });
  $("sign-out").addEventListener("click", () => signOut("", true));
  $("new-form").addEventListener("submit", (event) => guarded(() => startConversation(event)));
  $("request").addEventListener("submit", (event) => guarded(() => submitDecisions(event)));
  $("refresh").addEventListener("click", () => guarded(loadInbox));
  $("inbox-more").addEventListener("click", () => guarded(showMore));
  window.addEventListener("hashchange", () => {
    if (token()) guarded(showFromUrl);
  });
  for (const kind of ["input", "change"]) $("request").addEventListener(kind, () => { answering.dirty = true; });
  $("request").addEventListener("change", showBatch);
  setInterval(tick, TICK_MS); // time left, and forms of requests that expire while shown
  live(() => Boolean(token()) && !$("app").hidden, () => signOut("Your token was not accepted. Please sign in again."));
  if (token()) guarded(enter);
  else signOut("");
}

main();
