// What the URL names: a thread of the user's (#thread=...) or another user's request (#approval=...),
// and which request (&request=...). Opening one is setting the hash; the hashchange handler shows it.

export function threadHash(threadId, requestId) {
  return requestId ? `#thread=${threadId}&request=${requestId}` : `#thread=${threadId}`;
}

// Another user's request: its own kind of link, so a reload never asks for their thread.
export function approvalHash(threadId, requestId) {
  return requestId ? `#approval=${threadId}&request=${requestId}` : `#approval=${threadId}`;
}

export function openThread(threadId, requestId) {
  location.hash = threadHash(threadId, requestId); // the hashchange handler shows it
}

export function openApproval(threadId, requestId) {
  location.hash = approvalHash(threadId, requestId);
}

export function fromUrl(key) {
  const match = new RegExp(`(?:^#|&)${key}=([\\w-]+)`).exec(location.hash);
  return match ? match[1] : null;
}

export function threadFromUrl() {
  return fromUrl("thread");
}

export function approvalFromUrl() {
  return fromUrl("approval");
}

// The request the URL names, if it names one on this thread.
export function requestFromUrl(threadId) {
  const named = fromUrl("request");
  return named && (threadFromUrl() === threadId || approvalFromUrl() === threadId) ? named : null;
}
