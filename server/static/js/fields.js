// The edit form of one call: one input per argument, from the tool's JSON schema, checked as typed.

import { el } from "./dom.js";

// A JSON-schema pattern, checked where JavaScript can read it (the server checks it anyway).
function matches(pattern, value) {
  try {
    return new RegExp(pattern, "u").test(value);
  } catch (_) {
    return true;
  }
}

// One input per argument, from the tool's JSON schema; returns a reader that validates and
// collects the edited args (or null with errors shown; `quiet`: null, the fields left as they are).
export function editForm(container, action, schema, idPrefix) {
  const props = (schema && schema.properties) || {};
  const required = new Set((schema && schema.required) || []);
  const names = Object.keys(props).length ? Object.keys(props) : Object.keys(action.args);
  const fields = [];
  for (const name of names) {
    const spec = props[name] || {};
    const id = `${idPrefix}-arg-${name}`;
    const label = el("label", { htmlFor: id, textContent: name + (required.has(name) ? " (required)" : "") });
    let input;
    const current = action.args[name];
    if (spec.type === "boolean") {
      input = el("input", { type: "checkbox", id, checked: Boolean(current) });
    } else if (Array.isArray(spec.enum)) {
      input = el("select", { id });
      for (const option of spec.enum) input.append(el("option", { value: option, textContent: option }));
      input.value = current ?? spec.enum[0];
    } else if (spec.type === "integer" || spec.type === "number") {
      input = el("input", { type: "number", id, value: current ?? "", step: spec.type === "integer" ? "1" : "any" });
    } else if (spec.type === "string" || spec.type === undefined) {
      const long = typeof current === "string" && (current.includes("\n") || current.length > 60);
      input = long ? el("textarea", { id, rows: 5 }) : el("input", { type: "text", id });
      input.value = typeof current === "string" ? current : current === undefined ? "" : JSON.stringify(current);
    } else {
      input = el("textarea", { id, rows: 3 });
      input.value = JSON.stringify(current ?? null, null, 2);
      input.dataset.json = "true";
    }
    const error = el("p", { className: "field-error", id: `${id}-error`, hidden: true });
    input.setAttribute("aria-describedby", error.id);
    if (spec.description) container.append(label, el("p", { className: "hint", textContent: spec.description }));
    else container.append(label);
    container.append(input, error);
    fields.push({ name, spec, input, error });
  }
  return (quiet = false) => {
    const args = {};
    let ok = true;
    for (const { name, spec, input, error } of fields) {
      let value;
      let problem = null;
      if (spec.type === "boolean") value = input.checked;
      else if (input.dataset.json) {
        try { value = JSON.parse(input.value); } catch (_) { problem = "must be valid JSON"; }
      } else if (spec.type === "integer" || spec.type === "number") {
        value = input.value === "" ? undefined : Number(input.value);
        if (value !== undefined && (Number.isNaN(value) || (spec.type === "integer" && !Number.isInteger(value)))) {
          problem = `must be ${spec.type === "integer" ? "a whole number" : "a number"}`;
        }
      } else value = input.value;
      if (!problem && required.has(name) && (value === undefined || value === "")) problem = "is required";
      if (!problem && typeof value === "string") {
        if (spec.minLength !== undefined && value.length < spec.minLength) problem = `needs at least ${spec.minLength} character(s)`;
        else if (spec.maxLength !== undefined && value.length > spec.maxLength) problem = `allows at most ${spec.maxLength} characters`;
        else if (spec.pattern && value !== "" && !matches(spec.pattern, value)) problem = "does not have the expected format";
      }
      if (!quiet) {
        error.hidden = !problem;
        error.textContent = problem ? `${name} ${problem}.` : "";
        input.setAttribute("aria-invalid", problem ? "true" : "false");
      }
      if (problem) ok = false;
      else if (value !== undefined) args[name] = value;
    }
    return ok ? args : null;
  };
}
