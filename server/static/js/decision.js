// The decision controls of one call, from what its tool allows; a reader of the decision made.
// Nothing is chosen for the reviewer: a call with side effects runs only on a deliberate choice.

import { $, el } from "./dom.js";
import { editForm } from "./fields.js";
import { changesView, viewOf } from "./views.js";

const DECISION_LABELS = { approve: "Approve and run", edit: "Edit", reject: "Reject", respond: "Answer instead" };

// What approving a tool's call does, in its own words (a fork adds its tools here).
export const APPROVE_LABELS = { send_email: "Approve and send", write_file: "Approve and write", edit_file: "Approve the edit" };

function label(kind, tool) {
  return (kind === "approve" && APPROVE_LABELS[tool]) || DECISION_LABELS[kind] || kind;
}

// The decision controls for one action request, under the call as its reviewer reads it
// (`files`: the thread's, for an edit's context); returns a reader of its decision.
export function actionControls(action, review, index, files) {
  const box = el("div", { className: "action" });
  const prefix = `action-${index}`;
  box.append(
    el("h4", { textContent: `${index + 1}. ${action.name}` }),
    el("p", { textContent: action.description }),
    el("div", { className: "args", id: `${prefix}-view` }, viewOf(action, files)),
  );
  const allowed = review ? review.allowed_decisions : ["approve", "reject"];
  const fieldset = el("fieldset");
  fieldset.append(el("legend", { textContent: `Decision for ${action.name}` }));
  const choices = el("div", { className: "choices" });
  const extras = {};
  for (const kind of allowed) {
    const id = `${prefix}-${kind}`;
    const radio = el("input", { type: "radio", name: `${prefix}-decision`, id, value: kind });
    choices.append(el("label", { htmlFor: id }, radio, label(kind, action.name)));
  }
  const unchosen = el("p", { className: "field-error", id: `${prefix}-unchosen`, hidden: true });
  fieldset.setAttribute("aria-describedby", unchosen.id);
  fieldset.append(choices, unchosen);
  box.append(fieldset);

  let readArgs = null;
  if (allowed.includes("edit")) {
    const editBox = el("div", { className: "edit", hidden: true });
    readArgs = editForm(editBox, action, review && review.args_schema, prefix);
    const changes = el("div", { className: "changes", id: `${prefix}-changes` });
    // What will be sent instead of the call, against the call as asked, shown as the reviewer types.
    // (Redrawn only when they change: a redraw as the button is pressed could move it from under the pointer.)
    let shown;
    const showChanges = () => {
      const args = readArgs(true);
      const key = JSON.stringify(args);
      if (key === shown) return;
      shown = key;
      const diff = args && changesView(action.args || {}, args);
      const heading = args ? (diff ? "Your changes, as they will be sent:" : "No changes yet.") : "Fix the fields above to see your changes.";
      changes.replaceChildren(el("p", { className: "hint", textContent: heading }), ...(diff ? [diff] : []));
    };
    editBox.append(changes);
    editBox.addEventListener("input", showChanges);
    showChanges();
    extras.edit = editBox;
    box.append(editBox);
  }
  for (const kind of ["reject", "respond"]) {
    if (!allowed.includes(kind)) continue;
    const id = `${prefix}-${kind}-message`;
    const text = kind === "reject" ? "Reason (optional, told to the agent)" : "Response (given to the agent as the tool's result)";
    const wrap = el("div", { hidden: true });
    wrap.append(el("label", { htmlFor: id, textContent: text }), el("textarea", { id, rows: 2 }));
    extras[kind] = wrap;
    box.append(wrap);
  }
  const chosen = () => (box.querySelector(`input[name="${prefix}-decision"]:checked`) || {}).value;
  const sync = () => {
    for (const [kind, node] of Object.entries(extras)) node.hidden = kind !== chosen();
    if (chosen()) Object.assign(unchosen, { hidden: true, textContent: "" });
  };
  fieldset.addEventListener("change", sync);
  sync();

  const read = () => {
    const kind = chosen();
    unchosen.hidden = Boolean(kind);
    unchosen.textContent = kind ? "" : `Choose what to do with ${action.name}.`;
    if (!kind) return null;
    if (kind === "approve") return { type: "approve" };
    if (kind === "edit") {
      const args = readArgs();
      return args && { type: "edit", edited_action: { name: action.name, args } };
    }
    const message = $(`${prefix}-${kind}-message`).value.trim();
    if (kind === "respond" && !message) {
      $(`${prefix}-${kind}-message`).setAttribute("aria-invalid", "true");
      return null;
    }
    return message ? { type: kind, message } : { type: kind };
  };
  // The decision chosen, in words (a batch lists them before it is sent).
  const describe = () => {
    const kind = chosen();
    return kind ? label(kind, action.name) : "not chosen yet";
  };
  return { box, read, describe };
}
