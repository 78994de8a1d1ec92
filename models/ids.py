"""Deterministic signal ids: one function, one namespace, for every signal slawatch emits.

A signal's id is ``uuid5(SIGNAL_NAMESPACE, "\\x1f".join(parts))`` of the parts that identify
one firing (tenant, ticket or service, clock, rung, …): a replay, a retry or a restart gives
the same id, so consumers de-duplicate on ``event_id``. Ids are part of the output contract:
a change here is a breaking change (CHANGELOG.md).

Compiled with mypyc (setup.py): the engine calls it once per signal, so the uuid5 string is
formatted from the SHA-1 digest directly, without building a ``uuid.UUID``. Standard library
only.
"""

from __future__ import annotations

import hashlib
import uuid

SIGNAL_NAMESPACE = uuid.UUID("6f1d6c1e-58a4-4b47-9d0e-5a1a3c0de7a1")
_NS_BYTES = SIGNAL_NAMESPACE.bytes
#: the RFC 4122 variant (0b10) in the top bits of a hex digit
_VARIANT = {f"{n:x}": f"{(n & 0x3) | 0x8:x}" for n in range(16)}


def signal_id(*parts: object) -> str:
    """``str(uuid.uuid5(SIGNAL_NAMESPACE, name))`` with ``name`` the parts joined by U+001F
    (``None`` as the empty string, anything else by ``str``)."""
    name = "\x1f".join(p if type(p) is str else "" if p is None else str(p) for p in parts)
    x = hashlib.sha1(_NS_BYTES + name.encode(), usedforsecurity=False).hexdigest()
    # the first 16 bytes, with the version (5) in byte 6's high nibble and the variant in
    # byte 8's top bits
    return f"{x[:8]}-{x[8:12]}-5{x[13:16]}-{_VARIANT[x[16]]}{x[17:20]}-{x[20:32]}"
