// How a call is shown to its reviewer: the thing itself, not its JSON. An email as an email, a
// file as the file it will write, an edit as the lines it changes in the file; any other tool's
// call (a fork's) as readable fields. A fork registers a view of its own in VIEWS.

import { applyEdit, hunks, lineDiff } from "./diff.js";
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

// Lines of a diff of an edit: [kind, text], kind " " (same), "-" (removed), "+" (added) or "…"
// (lines left out), and a warning when the tool will refuse it or the file is not known here.
export function editLines(content, oldString, newString, replaceAll) {
  const bare = [...oldString.split("\n").map((line) => ["-", line]), ...newString.split("\n").map((line) => ["+", line])];
  if (content === null) return { lines: bare, count: null, warning: "The file's content is not known here: shown are the text replaced and its replacement." };
  const { after, count, refusal } = applyEdit(content, oldString, newString, replaceAll);
  if (after === null) return { lines: bare, count, warning: refusal };
  return { lines: hunks(lineDiff(content, after), CONTEXT), count, warning: null };
}

// Diff lines (js/diff.js) as the reviewer reads them: removed, added, unchanged, lines left out.
function diffView(lines) {
  const diff = el("pre", { className: "diff" });
  for (const [kind, line] of lines) {
    const gap = kind === "…";
    const text = gap ? `… ${line} unchanged line${line === 1 ? "" : "s"}\n` : `${kind} ${line}\n`;
    diff.append(el("span", { className: { "-": "removed", "+": "added", " ": "same", "…": "gap" }[kind], textContent: text }));
  }
  return diff;
}

function edit(args, files) {
  const content = contentOf(files, args.file_path);
  const { lines, count, warning } = editLines(content, asText(args.old_string ?? ""), asText(args.new_string ?? ""), Boolean(args.replace_all));
  const diff = diffView(lines);
  const rows = [row("File", args.file_path)];
  if (!warning) rows.push(row("Replaces", count === 1 ? "the one occurrence" : `every occurrence (${count} places)`));
  const head = el("div", { className: "fields" }, ...rows);
  const note = warning ? el("p", { className: "warning", textContent: warning }) : el("p", { className: "hint", textContent: "the file as it will read" });
  return el("div", { className: "file" }, head, note, diff);
}

// What a reviewer's edit changes in a call's arguments: a diff for each argument changed, or null.
export function changesView(before, after) {
  const text = (args, name) => (name in args ? asText(args[name]) : "");
  const rows = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((name) => text(before, name) !== text(after, name))
    .map((name) => {
      const diff = diffView(hunks(lineDiff(text(before, name), text(after, name)), CONTEXT));
      return el("div", { className: "field" }, el("span", { className: "name", textContent: name }), diff);
    });
  return rows.length ? el("div", { className: "fields" }, ...rows) : null;
}

export const VIEWS = { send_email: email, write_file: file, edit_file: edit };

// The view of one call; `files` is the thread's filesystem (`values.files`), when the page has it.
export function viewOf(action, files) {
  return (VIEWS[action.name] || fields)(action.args || {}, files);
}
