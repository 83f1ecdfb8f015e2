// What a frontend does after a reload, with the official JS SDK (@langchain/langgraph-sdk):
// find the thread's pending request in state, show it, answer it, and follow the run.
//
//   cd client/js && npm ci
//   node approvals.mjs start "email ada@example.com about the launch"   # prints the thread id
//   node approvals.mjs show <thread id>                                 # after any reload
//   node approvals.mjs approve <thread id>                              # or: reject <thread id> [reason]
//   (a thread may wait on several requests, from subagents: approve/reject answers the first shown)
//
// LANGGRAPH_URL (default http://127.0.0.1:2024), LANGGRAPH_GRAPH (default agent) and
// LANGGRAPH_TOKEN (default demo-token) say where and as whom. The contract it follows:
// docs/contract.md (values.pending_hitl, also in subagents' state; resume {request_id, decisions}).
import { Client } from "@langchain/langgraph-sdk";

const GRAPH = process.env.LANGGRAPH_GRAPH || "agent";
const API_URL = process.env.LANGGRAPH_URL || "http://127.0.0.1:2024";
const client = new Client({
  apiUrl: API_URL,
  apiKey: process.env.LANGGRAPH_TOKEN || "demo-token", // sent as X-Api-Key
});

// Every request waiting on a thread, read from state: the thread's own and its subagents'
// (tasks[i].state, with subgraphs), the same after any reload.
function requestsIn(state) {
  const own = state?.values?.pending_hitl ? [state.values.pending_hitl] : [];
  return own.concat(...(state?.tasks ?? []).map((task) => requestsIn(task.state)));
}

async function pendingOf(threadId) {
  return requestsIn(await client.threads.getState(threadId, undefined, { subgraphs: true }));
}

function show(threadId, requests) {
  if (!requests.length) return console.log(`Thread ${threadId}: nothing waits for approval.`);
  for (const pending of requests) {
    const who = pending.subagent ? ` from the ${pending.subagent} subagent` : "";
    console.log(`Thread ${threadId} waits for approval${who} (request ${pending.request_id}):`);
    for (const action of pending.action_requests) {
      console.log(`  ${action.name}: ${action.description}\n    ${JSON.stringify(action.args)}`);
    }
    if (pending.error) console.log(`  Last answer refused: ${pending.error}`);
  }
}

// Run the agent and print each step as it completes.
async function run(threadId, payload) {
  for await (const { event, data } of client.runs.stream(threadId, GRAPH, {
    ...payload,
    streamMode: "updates",
    multitaskStrategy: "reject",
  })) {
    if (event === "error") throw new Error(`the run failed: ${data?.message ?? JSON.stringify(data)}`);
    if (event !== "updates") continue;
    for (const [node, values] of Object.entries(data ?? {})) {
      for (const message of values?.messages ?? []) {
        const text = typeof message.content === "string" ? message.content : JSON.stringify(message.content);
        if (text) console.log(`  · ${node}: ${text.replace(/\s+/g, " ").slice(0, 160)}`);
      }
    }
  }
}

async function answer(threadId, decision) {
  const [pending] = await pendingOf(threadId);
  if (!pending) throw new Error(`thread ${threadId} has no request awaiting approval`);
  const decisions = pending.action_requests.map(() => decision);
  await run(threadId, { command: { resume: { request_id: pending.request_id, decisions } } });
  show(threadId, await pendingOf(threadId));
}

const [command, target, ...rest] = process.argv.slice(2);
try {
  if (command === "start" && target) {
    const { thread_id: threadId } = await client.threads.create({ graphId: GRAPH });
    console.log(`Thread ${threadId}`);
    await run(threadId, { input: { messages: [{ role: "user", content: target }] } });
    show(threadId, await pendingOf(threadId));
  } else if (command === "show" && target) {
    show(target, await pendingOf(target));
  } else if (command === "approve" && target) {
    await answer(target, { type: "approve" });
  } else if (command === "reject" && target) {
    await answer(target, rest.length ? { type: "reject", message: rest.join(" ") } : { type: "reject" });
  } else {
    console.error("usage: node approvals.mjs start <message> | show <thread> | approve <thread> | reject <thread> [reason]");
    process.exitCode = 2;
  }
} catch (error) {
  const [line, status] = errorLine(error);
  console.error(`error: ${line}`); // one line, no stack trace
  process.exitCode = status;
}

// One line for the user and the exit status, as the Python CLI (`python -m client`) says them:
// the server's own `detail`, not the JSON the SDK's error carries (`HTTP 404: {"detail": ...}`).
function errorLine(error) {
  const hints = { 401: "not signed in: set LANGGRAPH_TOKEN", 403: "not allowed", 404: "not found on the server", 409: "not taken" };
  if (typeof error?.status === "number") {
    let detail = error.text;
    try {
      detail = JSON.parse(error.text).detail ?? detail;
    } catch {} // (not JSON: the text as it came)
    const hint = hints[error.status] ?? "the server refused the request";
    const said = typeof detail === "string" ? detail : JSON.stringify(detail);
    return [`${hint} (${error.status}): ${said.replace(/\s+/g, " ").trim()}`, 1];
  }
  const message = String(error?.message ?? error);
  if (message.includes("Unable to connect") || message.endsWith("fetch failed")) { // (after the SDK's retries)
    return [`cannot reach the LangGraph server at ${API_URL}; is \`make dev\` running?`, 2];
  }
  return [message.split("\n")[0], 1];
}
