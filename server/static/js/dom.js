// The page's DOM helpers: find by id, make an element, the notice line, shortened text.

export const $ = (id) => document.getElementById(id);

export const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) node.append(child);
  return node;
};

export function notice(text) {
  $("notice").textContent = text || "";
  $("notice").hidden = !text;
}

export function short(value, limit = 80) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const flat = text.replace(/\s+/g, " ");
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}
