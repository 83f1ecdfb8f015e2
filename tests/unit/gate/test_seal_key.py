"""The seal key: `APPROVAL_KEY`, or a random key a server makes once and keeps (`agent.approval.seal.kept_key`).

Nothing public gives it away: two servers configured alike (the same public
`demo-token`) have different keys; a restart keeps its key; processes that start
at once on the same file agree on one key.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from agent.approval.seal import MIN_KEY_LENGTH
from agent.settings import KEY_FILE, Settings, SettingsError

REPO = Path(__file__).resolve().parents[3]
PROCESSES = 4


def _key_in(folder: Path, env: dict[str, str] | None = None) -> bytes:
    return Settings.from_env({"APPROVAL_KEY_FILE": str(folder / "approval.key"), **(env or {})}).seal_key


def test_servers_configured_alike_have_keys_of_their_own(tmp_path: Path) -> None:
    one, other = _key_in(tmp_path / "one"), _key_in(tmp_path / "other")
    assert one != other
    assert len(one) >= MIN_KEY_LENGTH
    kept = tmp_path / "one" / "approval.key"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert kept.read_text().strip().encode() == one


def test_a_restart_keeps_its_key(tmp_path: Path) -> None:
    """A new process reads the file the first one made (an approval sealed before a restart still runs)."""
    first = _key_in(tmp_path)
    again = subprocess.run(
        [sys.executable, "-c", "import sys; from agent.settings import Settings; "
         "sys.stdout.write(Settings.from_env({'APPROVAL_KEY_FILE': sys.argv[1]}).seal_key.decode())",
         str(tmp_path / "approval.key")],
        cwd=REPO, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert again.stdout.encode() == first


def test_processes_that_start_at_once_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "approval.key"
    code = (
        "import sys; from agent.settings import Settings; "
        "sys.stdout.write(Settings.from_env({'APPROVAL_KEY_FILE': sys.argv[1]}).seal_key.decode())"
    )
    started = [
        subprocess.Popen([sys.executable, "-c", code, str(path)], cwd=REPO, stdout=subprocess.PIPE, text=True)
        for _ in range(PROCESSES)
    ]
    keys = {process.communicate(timeout=120)[0] for process in started}
    assert [process.returncode for process in started] == [0] * PROCESSES
    assert keys == {path.read_text().strip()}
    assert sorted(p.name for p in path.parent.iterdir()) == ["approval.key"]  # (no drafts left)


def test_approval_key_wins_and_keeps_no_file(tmp_path: Path) -> None:
    key = "k" * MIN_KEY_LENGTH
    assert _key_in(tmp_path, {"APPROVAL_KEY": key}) == key.encode()
    assert not (tmp_path / "approval.key").exists()


@pytest.mark.parametrize("kind", ["holds no key", "is a folder", "cannot be made"])
def test_a_key_that_cannot_be_kept_is_one_line_naming_approval_key(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "approval.key"
    if kind == "holds no key":
        path.write_text("short\n")
    elif kind == "is a folder":
        path.mkdir()
    else:  # (its folder's name is a file's: no folder can be made there, not even by root)
        (tmp_path / "a-file").write_text("")
        path = tmp_path / "a-file" / "approval.key"
    settings = Settings.from_env({"APPROVAL_KEY_FILE": str(path)})
    with pytest.raises(SettingsError) as refused:
        settings.seal_key  # noqa: B018
    (line,) = str(refused.value).splitlines()
    assert line.startswith(f"The seal key cannot be kept in {path} (")
    assert line.endswith(f"set APPROVAL_KEY to a random secret of at least {MIN_KEY_LENGTH} characters.")


def test_the_preflight_makes_the_key_and_says_where(tmp_path: Path) -> None:
    """What `make dev` prints: where the key is kept, and what a deployment sets instead."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MODEL", "OPENAI_", "AUTH_", "APPROVAL_"))}
    ran = subprocess.run(
        [sys.executable, "-m", "server.preflight"],
        cwd=tmp_path, env={**clean, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    (line,) = ran.stdout.strip().splitlines()
    assert f"seal key: a random key kept in {KEY_FILE} (" in line
    assert "set APPROVAL_KEY, the same in each" in line
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
