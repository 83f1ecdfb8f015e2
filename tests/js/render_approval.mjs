// Renders docs/clients.md's React component (`Approval`) against a real server, as a page does
// after a reload: waits for the request it shows, prints its lines, presses Approve, and waits
// until the thread is idle with nothing pending. No DOM: react-test-renderer runs the hooks.
//
//   node render_approval.mjs <component.tsx> <server url> <thread id> <token>
//
// Run by tests/integration/docs/test_doc_snippets.py, which writes the component as printed (its
// apiUrl made the test server's). esbuild turns the TSX into a module here (.build/).
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { Client } from "@langchain/langgraph-sdk";
import { transform } from "esbuild";
import React from "react";
import TestRenderer, { act } from "react-test-renderer";

const [source, apiUrl, threadId, token] = process.argv.slice(2);
const TIMEOUT_MS = 60_000;
globalThis.IS_REACT_ACT_ENVIRONMENT = true;

async function component() {
  const tsx = `${await readFile(source, "utf8")}\nexport { Approval };\n`; // (printed without an export)
  const { code } = await transform(tsx, { loader: "tsx", jsx: "automatic", format: "esm" });
  const built = path.join(path.dirname(fileURLToPath(import.meta.url)), ".build", "approval.mjs");
  await mkdir(path.dirname(built), { recursive: true });
  await writeFile(built, code);
  return (await import(pathToFileURL(built).href)).Approval;
}

/** `found()` once it is truthy, letting React and the network run meanwhile; an error after TIMEOUT_MS. */
async function until(found, what) {
  for (const deadline = Date.now() + TIMEOUT_MS; Date.now() < deadline; ) {
    const value = await found();
    if (value) return value;
    await act(() => new Promise((resolve) => setTimeout(resolve, 50)));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const Approval = await component();
let page;
await act(async () => {
  page = TestRenderer.create(React.createElement(Approval, { threadId, token }));
});
const buttons = await until(() => page.root.findAllByType("button").length && page.root.findAllByType("button"), "the request");
for (const line of page.root.findAllByType("p")) console.log(line.children.join(""));
await act(async () => buttons.find((button) => button.children.join("") === "Approve").props.onClick());
const client = new Client({ apiUrl, apiKey: token });
await until(async () => {
  const thread = await client.threads.get(threadId);
  return thread.status === "idle" && !thread.values?.pending_hitl;
}, "the answered run to end");
await act(async () => page.unmount());
console.log("approved");
