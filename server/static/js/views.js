// How a call is shown to its reviewer: the thing itself, not its JSON. An email as an email, a
// file as the file it will write, an edit as the lines it changes in the file; any other tool's
// call (a fork's) as readable fields. A fork registers a view of its own in VIEWS.

import { el } from "./dom.js";

const FOLD_AT = 600; // characters: a longer value is folded, its start shown
const CONTEXT = 2; // unchanged lines shown around an edit

function asText(value) {
  return typeof value === "string" ? value : JSON.stringify(value ?? null, null, 2);
}

// A value as text with its line breaks (a long one folded, to open on demand).
function value(data) {
  const text = asText(data);
  const body = el("div", { className: "value", textContent: text });
  if (text.length <= FOLD_AT) return body;
  return el("details", {}, el("summary", { textContent: `${text.slice(0, 80)}… (${text.length} characters)` }), body);
}

function row(name, data) {
  return el("div", { className: "field" }, el("span", { className: "name", textContent: name }), value(data));
}

// Any tool: one row per argument.
export function fields(args) {
  return el("div", { className: "fields" }, ...Object.entries(args).map(([name, data]) => row(name, data)));
}

function email(args) {
  const { to, subject, body, ...rest } = args;
  const head = el("div", { className: "fields" }, row("To", to), row("Subject", subject), ...Object.entries(rest).map(([k, v]) => row(k, v)));
  return el("div", { className: "email" }, head, el("div", { className: "body", textContent: asText(body ?? "") }));
}

function file(args) {
  const where = el("div", { className: "fields" }, row("File", args.file_path));
  return el("div", { className: "file" }, where, el("pre", { className: "content", textContent: asText(args.content ?? "") }));
}

function contentOf(files, path) {
  const data = files && files[path];
  const content = data && data.content;
  return Array.isArray(content) ? content.join("\n") : typeof content === "string" ? content : null;
}

// Lines of a diff: [kind, text] with kind " " (unchanged), "-" (removed) or "+" (added).
export function editLines(content, oldString, newString) {
  const at = content === null ? -1 : content.indexOf(oldString);
  if (at < 0) {
    return [...oldString.split("\n").map((line) => ["-", line]), ...newString.split("\n").map((line) => ["+", line])];
  }
  const start = content.lastIndexOf("\n", at - 1) + 1;
  const stop = content.indexOf("\n", at + oldString.length);
  const end = stop < 0 ? content.length : stop;
  const before = content.slice(0, start).split("\n").slice(0, -1).slice(-CONTEXT);
  const after = stop < 0 ? [] : content.slice(end + 1).split("\n").slice(0, CONTEXT);
  const old = content.slice(start, end);
  const changed = old.slice(0, at - start) + newString + old.slice(at - start + oldString.length);
  return [
    ...before.map((line) => [" ", line]),
    ...old.split("\n").map((line) => ["-", line]),
    ...changed.split("\n").map((line) => ["+", line]),
    ...after.map((line) => [" ", line]),
  ];
}

function edit(args, files) {
  const content = contentOf(files, args.file_path);
  const diff = el("pre", { className: "diff" });
  for (const [kind, line] of editLines(content, asText(args.old_string ?? ""), asText(args.new_string ?? ""))) {
    diff.append(el("span", { className: { "-": "removed", "+": "added", " ": "same" }[kind], textContent: `${kind} ${line}\n` }));
  }
  const where = content === null ? "the file's content is not shown here: the text replaced, and its replacement" : "the file as it will read";
  const path = el("div", { className: "fields" }, row("File", args.file_path));
  return el("div", { className: "file" }, path, el("p", { className: "hint", textContent: where }), diff);
}

export const VIEWS = { send_email: email, write_file: file, edit_file: edit };

// The view of one call; `files` is the thread's filesystem (`values.files`), when the page has it.
export function viewOf(action, files) {
  return (VIEWS[action.name] || fields)(action.args || {}, files);
}
