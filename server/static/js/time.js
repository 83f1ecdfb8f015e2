// Time left before a request expires, on the browser's clock; nodes that count down to it.

export const TICK_MS = 20_000; // how often the time left is recomputed (the text changes once a minute)

// "expires in 23 h 59 min", "expires in 4 min", "expired": from expires_at, on the browser's clock.
function timeLeft(expiresAt, now = Date.now()) {
  const left = Date.parse(expiresAt) - now;
  if (Number.isNaN(left)) return "";
  if (left <= 0) return "expired";
  const minutes = Math.floor(left / 60_000);
  if (minutes < 1) return "expires in less than 1 min";
  const [days, hours, rest] = [Math.floor(minutes / 1440), Math.floor((minutes % 1440) / 60), minutes % 60];
  if (days) return `expires in ${days} d ${hours} h`;
  return hours ? `expires in ${hours} h ${rest} min` : `expires in ${rest} min`;
}

export function isExpired(request) {
  return Boolean(request && request.expires_at) && Date.parse(request.expires_at) <= Date.now();
}

// Text that counts down to `expiresAt`: tick() keeps every such node current.
export function countdown(node, expiresAt) {
  if (expiresAt) node.dataset.expires = expiresAt;
  else delete node.dataset.expires;
  node.textContent = expiresAt ? timeLeft(expiresAt) : "";
  node.classList.toggle("expired", isExpired({ expires_at: expiresAt }));
  return node;
}
