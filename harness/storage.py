"""Bytes a thread has written to an `InMemorySaver`, by channel."""

from __future__ import annotations

from collections import Counter

from langgraph.checkpoint.memory import InMemorySaver

CHECKPOINTS = "(checkpoint bodies)"


def bytes_by_channel(saver: InMemorySaver, thread_id: str) -> Counter[str]:
    """Serialized bytes stored for `thread_id`: channel blobs, pending writes, checkpoints."""
    sizes: Counter[str] = Counter()
    for (thread, _ns, channel, _version), (_kind, blob) in saver.blobs.items():
        if thread == thread_id:
            sizes[channel] += len(blob)
    for (thread, _ns, _checkpoint), writes in saver.writes.items():
        if thread == thread_id:
            for _task, channel, (_kind, blob), _path in writes.values():
                sizes[channel] += len(blob)
    for namespaces in (saver.storage.get(thread_id) or {}).values():
        for (_, checkpoint), (_, metadata), _parent in namespaces.values():
            sizes[CHECKPOINTS] += len(checkpoint) + len(metadata)
    return sizes
