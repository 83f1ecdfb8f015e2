// The model's markdown, read safely: paragraphs, lists ("- ", "* ", "1. "), fenced code, `code` and
// **bold**. Every piece of text becomes textContent: nothing the model writes is ever HTML.
// `blocks` and `inline` are pure (no DOM), so `node --test` checks them.

import { el } from "./dom.js";

const ITEM = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/;

// The text's blocks: { type: "p", lines }, { type: "ul" | "ol", items } or { type: "pre", text }.
export function blocks(text) {
  const found = [];
  let fence = null;
  for (const line of text.replace(/\r\n/g, "\n").split("\n")) {
    if (fence) {
      if (/^\s*```/.test(line)) fence = null;
      else fence.text += (fence.text ? "\n" : "") + line;
      continue;
    }
    if (/^\s*```/.test(line)) {
      fence = { type: "pre", text: "" };
      found.push(fence);
      continue;
    }
    const item = ITEM.exec(line);
    const last = found[found.length - 1];
    if (item) {
      const type = item[1] ? "ul" : "ol";
      if (last && last.type === type && !last.closed) last.items.push(item[3]);
      else found.push({ type, items: [item[3]] });
    } else if (!line.trim()) {
      if (last) last.closed = true;
    } else if (last && last.type === "p" && !last.closed) last.lines.push(line.trim());
    else if (last && last.type !== "pre" && !last.closed && /^\s+\S/.test(line)) {
      const items = last.items; // (an indented line goes on with the item above)
      items[items.length - 1] += ` ${line.trim()}`;
    } else found.push({ type: "p", lines: [line.trim()] });
  }
  return found.map(({ closed: _, ...block }) => block);
}

// A line's pieces: [kind, text] with kind "text", "code" or "strong".
export function inline(line) {
  const pieces = [];
  const pattern = /`([^`]+)`|\*\*([^*]+)\*\*/g;
  let at = 0;
  for (const match of line.matchAll(pattern)) {
    if (match.index > at) pieces.push(["text", line.slice(at, match.index)]);
    pieces.push(match[1] !== undefined ? ["code", match[1]] : ["strong", match[2]]);
    at = match.index + match[0].length;
  }
  if (at < line.length) pieces.push(["text", line.slice(at)]);
  return pieces;
}

function line(text) {
  return inline(text).map(([kind, piece]) => (kind === "text" ? piece : el(kind, { textContent: piece })));
}

// The text as elements, in one container.
export function markdown(text) {
  const box = el("div", { className: "md" });
  for (const block of blocks(text)) {
    if (block.type === "pre") box.append(el("pre", { textContent: block.text }));
    else if (block.type === "p") {
      const paragraph = el("p");
      block.lines.forEach((text, at) => paragraph.append(...(at ? [el("br")] : []), ...line(text)));
      box.append(paragraph);
    } else box.append(el(block.type, {}, ...block.items.map((item) => el("li", {}, ...line(item)))));
  }
  return box;
}
