// An approver's own answers on other users' threads (GET /approvals/answered): who decided, when,
// what, and what became of each call. The threads are not theirs to read, so this is their record
// of it, after a reload too. Hidden while there is none (and on servers without the route).

import { api, ApiError } from "./api.js";
import { $, el } from "./dom.js";
import { recordLine } from "./record.js";
import { ownerName } from "./view.js";

export async function loadAnswered() {
  let found;
  try {
    found = await api("GET", "/approvals/answered");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw error;
    found = [];
  }
  const items = (Array.isArray(found) ? found : []).filter((item) => item && item.decided);
  const lines = items.map((item) => `${ownerName(item)}'s request: ${recordLine(item.decided, item.results || {})}`);
  $("answered").replaceChildren(...lines.map((line) => el("li", { className: "record", textContent: line })));
  $("answered-section").hidden = lines.length === 0;
}

export function forgetAnswered() {
  $("answered").replaceChildren();
  $("answered-section").hidden = true;
}
