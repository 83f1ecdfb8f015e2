"""Values read from the environment, each checked with a message that names the variable.

What `agent.settings.Settings.from_env` reads them with: whole numbers, booleans, and
`AUTH_USERS` (`name:token[:role+role],...`). A malformed value is a `SettingsError`
saying how to write it, never a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def positive_int(env: Mapping[str, str], name: str) -> int | None:
    number = whole_number(env, name)
    if number == 0:
        raise SettingsError(f"{name}=0 must be a positive whole number, e.g. 4000.")
    return number


def whole_number(env: Mapping[str, str], name: str) -> int | None:
    text = env.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise SettingsError(f"{name}={text!r} must be a whole number, e.g. 4000.")
    return int(text)


def boolean(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    text = env.get(name, "").strip().lower()
    if not text:
        return default
    if text not in ("true", "false", "1", "0", "yes", "no"):
        raise SettingsError(f"{name}={text!r} must be true or false.")
    return text in ("true", "1", "yes")


def parse_users(text: str) -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """`name:token[:role+role],...` into {token: name} and {name: roles}, with a clear error when malformed."""
    users: dict[str, str] = {}
    roles: dict[str, frozenset[str]] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        pieces = [piece.strip() for piece in item.split(":")]
        name, token, rest = pieces[0], (pieces[1:2] or [""])[0], pieces[2:]
        if not name or not token or len(rest) > 1 or (rest and not rest[0]):
            raise SettingsError(
                f"AUTH_USERS entry {item!r} must look like name:token or name:token:role+role, "
                "e.g. ada:ada-secret or bob:bob-secret:approver."
            )
        if token in users:
            raise SettingsError(f"AUTH_USERS gives the same token to {users[token]!r} and {name!r}.")
        users[token] = name
        roles[name] = frozenset(r for r in (rest[0].split("+") if rest else []) if r)
    return users, roles
