// A line diff of two texts, and the hunks a reviewer reads: each change with the lines around it.
// Pure functions (no DOM), so `node --test` checks them.

const MAX_CELLS = 4e6; // above this the middle is shown as all removed, then all added

// Lines of a diff of `before` and `after`: [kind, text] with kind " " (same), "-" or "+".
export function lineDiff(before, after) {
  const a = before.split("\n");
  const b = after.split("\n");
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head += 1;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail += 1;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  const same = (lines) => lines.map((line) => [" ", line]);
  return [...same(a.slice(0, head)), ...middle(x, y), ...same(a.slice(a.length - tail))];
}

// The changed middle, by the longest common subsequence of its lines.
function middle(x, y) {
  const n = x.length;
  const m = y.length;
  if (n * m > MAX_CELLS || n === 0 || m === 0) return [...x.map((l) => ["-", l]), ...y.map((l) => ["+", l])];
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width); // lcs[i][j]: of x[i:] and y[j:]
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      lcs[i * width + j] = x[i] === y[j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
    }
  }
  const lines = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      lines.push([" ", x[i]]);
      i += 1;
      j += 1;
    } else if (lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) lines.push(["-", x[i++]]);
    else lines.push(["+", y[j++]]);
  }
  while (i < n) lines.push(["-", x[i++]]);
  while (j < m) lines.push(["+", y[j++]]);
  return lines;
}

// The lines near a change (`context` each side); a run of unchanged lines left out is one
// ["…", n] marker, n the number of lines left out.
export function hunks(lines, context = 2) {
  const near = lines.map(() => false);
  lines.forEach(([kind], at) => {
    if (kind === " ") return;
    for (let k = Math.max(0, at - context); k <= Math.min(lines.length - 1, at + context); k += 1) near[k] = true;
  });
  const shown = [];
  let skipped = 0;
  lines.forEach((line, at) => {
    if (near[at]) {
      if (skipped) shown.push(["…", skipped]);
      skipped = 0;
      shown.push(line);
    } else skipped += 1;
  });
  if (skipped && shown.length) shown.push(["…", skipped]);
  return shown;
}

// What deepagents' edit_file does with the file (backends/utils.py, perform_string_replacement):
// refuses an empty or missing old_string, refuses several without replace_all, else replaces
// them all. Returns { after, count, refusal }; `after` is null when the tool will refuse.
export function applyEdit(content, oldString, newString, replaceAll) {
  if (oldString === "") return { after: null, count: 0, refusal: "old_string is empty: the tool will refuse this edit." };
  const count = content.split(oldString).length - 1;
  if (count === 0) return { after: null, count, refusal: "old_string is not in the file: the tool will refuse this edit." };
  if (count > 1 && !replaceAll) {
    return { after: null, count, refusal: `old_string is in the file ${count} times and replace_all is off: the tool will refuse this edit.` };
  }
  return { after: content.split(oldString).join(newString), count, refusal: null };
}
