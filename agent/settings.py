"""Typed settings for the agent, read once from the environment.

    MODEL=offline                      # default: the deterministic offline model
    MODEL=openai:gpt-4.1-mini          # any provider:model langchain's init_chat_model takes
    OPENAI_API_KEY=...                 # the provider's key (ANTHROPIC_API_KEY for anthropic:*, ...)
    OPENAI_BASE_URL=http://host/v1     # optional, for OpenAI-compatible servers (openai:*)
    EMAIL_LOG=/tmp/emails.jsonl        # optional: record every email sent (agent.email)
    AUTH_USERS=ada:ada-secret,bob:bob-secret:approver   # users, their bearer tokens and roles (server.auth)
    AUTH_JWT_SECRET=...                # or: accept HS256 JWTs signed with this secret (roles: its `roles` claim)
    APPROVER_ROLES=approver            # who may answer requests (default: the thread's owner); per tool: agent.policy
    REQUESTER_MAY_ANSWER=false         # separation of duties: the user who asked may not answer
    AUDITOR_ROLES=auditor              # who may read every user's audit trail (default: auditor)
    APPROVAL_KEY=...                   # seals decisions (agent.approval.seal); the same in every process
    APPROVAL_KEY_FILE=...              # without it: a random key kept here (default .langgraph_api/approval.key)
    NOTIFY_URL=https://hooks.example.com/approvals   # optional: POST a signed notice when a request waits
    NOTIFY_SECRET=...                  # its HMAC key, at least 32 characters (agent.notify)
    PUBLIC_URL=https://agent.example.com   # where the inbox page is, for the notice's link
    APPROVAL_TTL_SECONDS=86400         # how long a request waits before it expires (per tool: agent.policy)
    CONTEXT_WINDOW_TOKENS=4000         # optional: the model's context window; deepagents summarizes
                                       # older messages at 85 % of it (default: the model's profile;
                                       # the offline model has none, so it never summarizes)

Every problem is reported as a `SettingsError` that names the variable and says
how to fix it, instead of a traceback from deep inside a client library.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from agent.approval.seal import MIN_KEY_LENGTH, KeyFileError, kept_key
from agent.env_values import SettingsError, boolean, parse_users, positive_int, whole_number

__all__ = [
    "DEFAULT_PUBLIC_URL",
    "KEY_FILE",
    "KEY_VARIABLES",
    "LOCAL_TOKEN",
    "LOCAL_USER",
    "OFFLINE_MODEL",
    "OPENAI",
    "Settings",
    "SettingsError",
    "needs_key",
]

OFFLINE_MODEL: Final = "offline"
"""The default model: no key, no network (see `agent.models.offline`)."""

OPENAI: Final = "openai"

KEY_VARIABLES: Final[Mapping[str, str]] = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "google_genai": "GOOGLE_API_KEY",
    "groq": "GROQ_API_KEY",
    "mistralai": "MISTRAL_API_KEY",
    "fireworks": "FIREWORKS_API_KEY",
    "together": "TOGETHER_API_KEY",
    "xai": "XAI_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "cohere": "COHERE_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
}
"""The key each provider needs, checked at start so that a missing one is one clear line.
Providers not listed (ollama, bedrock, ...) authenticate their own way."""

LOCAL_USER: Final = "demo"
LOCAL_TOKEN: Final = "demo-token"  # noqa: S105  # public on purpose, see below
"""The one user a server without AUTH_USERS or AUTH_JWT_SECRET knows, so `make dev` just works.
Its token is public: set AUTH_USERS (or AUTH_JWT_SECRET) anywhere but your own machine."""


DEFAULT_PUBLIC_URL: Final = "http://127.0.0.1:2024"
KEY_FILE: Final = Path(".langgraph_api/approval.key")
"""Where a server without APPROVAL_KEY keeps its random seal key (relative to where it runs,
like `langgraph dev`'s own `.langgraph_api/`)."""


def needs_key(model: str, variable: str) -> str:
    return f"MODEL={model!r} needs {variable} (see .env.example)."


@dataclass(frozen=True)
class Settings:
    """What the graph needs to know about its environment."""

    model: str = OFFLINE_MODEL
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    email_log: Path | None = None
    users_by_token: Mapping[str, str] = field(default_factory=lambda: {LOCAL_TOKEN: LOCAL_USER})
    roles_by_user: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Roles from AUTH_USERS (`name:token:role+role`); JWT users carry theirs in a `roles` claim."""
    approver_roles: tuple[str, ...] = ()
    """Roles that may answer a request, for tools whose policy does not say; none: the thread's owner."""
    requester_may_answer: bool = True
    """`False`: separation of duties, for tools whose policy does not say."""
    auditor_roles: tuple[str, ...] = ("auditor",)
    """Roles that may read every user's audit trail (others read their own threads' records)."""
    jwt_secret: str | None = None
    approval_key: str | None = None
    """Seals answered requests (`agent.approval.seal`); none: the random key kept in `approval_key_file`."""
    approval_key_file: Path = KEY_FILE
    notify_url: str | None = None
    notify_secret: str | None = None
    public_url: str = DEFAULT_PUBLIC_URL
    """Where the inbox page is served, for the links in notices."""
    approval_ttl_seconds: int = 86_400
    """How long a request waits for an answer before it expires, unless its tools' policy says."""
    context_window: int | None = None
    """The model's context window in tokens, which sets when deepagents summarizes (at 85 %)."""
    missing_key: str | None = None
    """The model's key variable, when it is unset and `from_env` was told it may be (`need_key=False`)."""

    @property
    def seal_key(self) -> bytes:
        """APPROVAL_KEY, or the key kept in `approval_key_file` (made on first use).

        Raises:
            SettingsError: the file cannot be made or read, or holds no key.
        """
        if self.approval_key:
            return self.approval_key.encode()
        try:
            return kept_key(self.approval_key_file)
        except (KeyFileError, OSError) as why:
            raise SettingsError(
                f"The seal key cannot be kept in {self.approval_key_file} ({why}): "
                f"set APPROVAL_KEY to a random secret of at least {MIN_KEY_LENGTH} characters."
            ) from None

    @property
    def seal_key_source(self) -> str:
        """Where the seal key comes from, in one line (what `make dev` prints)."""
        if self.approval_key:
            return "APPROVAL_KEY"
        return (
            f"a random key kept in {self.approval_key_file} (several processes that do not share it, "
            "e.g. a deployment: set APPROVAL_KEY, the same in each)"
        )

    @property
    def provider(self) -> str | None:
        """The provider of `provider:model`, or `None` for the offline model."""
        return None if self.model == OFFLINE_MODEL else self.model.partition(":")[0]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, need_key: bool = True) -> Settings:
        """Read and check the settings; raise `SettingsError` with a clear message.

        `need_key=False`: the model's key may be unset (`missing_key` names it); what the
        graph module is built with, so that importing it needs no key."""
        env = os.environ if env is None else env
        model = env.get("MODEL", "").strip() or OFFLINE_MODEL
        key = env.get("OPENAI_API_KEY", "").strip() or None
        base_url = env.get("OPENAI_BASE_URL", "").strip() or None
        email_log = env.get("EMAIL_LOG", "").strip() or None
        jwt_secret = env.get("AUTH_JWT_SECRET", "").strip() or None
        approval_key = env.get("APPROVAL_KEY", "").strip() or None
        key_file = Path(env.get("APPROVAL_KEY_FILE", "").strip() or KEY_FILE)
        context_window = positive_int(env, "CONTEXT_WINDOW_TOKENS")
        ttl = whole_number(env, "APPROVAL_TTL_SECONDS")
        notify_url = env.get("NOTIFY_URL", "").strip() or None
        notify_secret = env.get("NOTIFY_SECRET", "").strip() or None
        public_url = env.get("PUBLIC_URL", "").strip() or DEFAULT_PUBLIC_URL
        for name, url in (("NOTIFY_URL", notify_url), ("PUBLIC_URL", public_url)):
            if url is not None and not url.startswith(("http://", "https://")):
                raise SettingsError(f"{name}={url!r} must start with http:// or https://.")
        if notify_url is not None and (notify_secret is None or len(notify_secret) < MIN_KEY_LENGTH):
            raise SettingsError(
                f"NOTIFY_URL needs NOTIFY_SECRET, a random secret of at least {MIN_KEY_LENGTH} characters "
                "(the receiver checks each notice's signature with it)."
            )
        if approval_key is not None and len(approval_key) < MIN_KEY_LENGTH:
            raise SettingsError(f"APPROVAL_KEY must be at least {MIN_KEY_LENGTH} characters (a random secret).")
        users, roles = parse_users(env.get("AUTH_USERS", ""))
        approver_roles = tuple(r.strip() for r in env.get("APPROVER_ROLES", "").split(",") if r.strip())
        requester_may_answer = boolean(env, "REQUESTER_MAY_ANSWER", default=True)
        auditors = env.get("AUDITOR_ROLES", "").strip() or "auditor"
        auditor_roles = tuple(r.strip() for r in auditors.split(",") if r.strip())
        if not requester_may_answer and not approver_roles:
            raise SettingsError(
                "REQUESTER_MAY_ANSWER=false needs APPROVER_ROLES (e.g. approver): otherwise nobody could answer."
            )
        if not users and jwt_secret is None:
            users = {LOCAL_TOKEN: LOCAL_USER}
        missing_key = None
        if model != OFFLINE_MODEL:
            provider, _, name = (part.strip() for part in model.partition(":"))
            if not provider or not name:
                raise SettingsError(
                    f"MODEL={model!r} must be {OFFLINE_MODEL!r} (the default) or 'provider:model', "
                    "e.g. 'openai:gpt-4.1-mini', 'anthropic:claude-sonnet-4-5' or 'ollama:llama3.1'."
                )
            variable = KEY_VARIABLES.get(provider)
            if variable is not None and not env.get(variable, "").strip():
                if need_key:
                    raise SettingsError(needs_key(model, variable))
                missing_key = variable
        if base_url is not None and not base_url.startswith(("http://", "https://")):
            raise SettingsError(f"OPENAI_BASE_URL={base_url!r} must start with http:// or https://.")
        return cls(
            model=model,
            openai_api_key=key,
            openai_base_url=base_url,
            email_log=Path(email_log) if email_log else None,
            users_by_token=users,
            roles_by_user=roles,
            approver_roles=approver_roles,
            requester_may_answer=requester_may_answer,
            auditor_roles=auditor_roles,
            jwt_secret=jwt_secret,
            approval_key=approval_key,
            approval_key_file=key_file,
            context_window=context_window,
            missing_key=missing_key,
            notify_url=notify_url,
            notify_secret=notify_secret,
            public_url=public_url,
            **({"approval_ttl_seconds": ttl} if ttl is not None else {}),
        )
