"""Who acts in a service of certificates, feedback and contests: the system (commands, demo
loading: `None`, or core.actors.SYSTEM once the audit registry is on main) needs no permission;
a signed-in user is recorded in "issued by" / "published by" columns. The same rules as
services._system / services._user, in a module of their own so that services may call into
certificates (erasure) without an import cycle."""

from __future__ import annotations


def is_system(actor) -> bool:
    return actor is None or getattr(actor, "is_system", False)


def user_of(actor):
    """The signed-in user behind an actor, else None."""
    return actor if not is_system(actor) and getattr(actor, "is_authenticated", False) else None
