"""The SSH key installer start task, run by real bash: keys written, then the user's argv exec'd unexpanded.

Batch runs a start task's command line without a shell, splitting it into arguments; `shlex.split` stands in
for that here. `getent`, `install`, `chown` and `chmod` are shims on PATH so nothing outside tmp is touched.
"""

from __future__ import annotations

import base64
import shlex
import shutil
import subprocess

import pytest

from batch_infra.providers.pool_spec import SSH_KEYS_ENV, key_installer_command

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def shims(tmp_path):
    home = tmp_path / "home"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    scripts = {
        "getent": f'#!/bin/sh\necho "$2:x:1000:1000::{home}:/bin/sh"\n',
        "install": '#!/bin/sh\nfor last; do :; done\nmkdir -p "$last"\n',
        "chown": "#!/bin/sh\n",
        "chmod": "#!/bin/sh\n",
    }
    for name, text in scripts.items():
        path = bin_dir / name
        path.write_text(text)
        path.chmod(0o755)
    return home, bin_dir


def run(tmp_path, command_line, keys):
    home, bin_dir = shims(tmp_path)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": "/nonexistent",
        SSH_KEYS_ENV: base64.b64encode("".join(f"ops {k}\n" for k in keys).encode()).decode(),
    }
    argv = shlex.split(key_installer_command(command_line))
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30, check=False)
    return result, home


def test_keys_are_installed_then_the_users_arguments_run_without_a_shell(tmp_path):
    keys = ["ssh-ed25519 AAAAC3Nza ops@a", "ssh-rsa AAAAB3 ops@b"]
    result, home = run(tmp_path, "printf '%s|' '$HOME' \"a b\" ';' 'x; rm -rf /'", keys)
    assert result.returncode == 0, result.stderr
    assert (home / ".ssh/authorized_keys").read_text().splitlines() == keys
    # No expansion, no word splitting, no command separators: the exact arguments Batch would pass.
    assert result.stdout == "$HOME|a b|;|x; rm -rf /|"


def test_installer_alone_runs_nothing_else_and_the_exit_code_is_the_users(tmp_path):
    result, home = run(tmp_path, None, ["ssh-ed25519 AAAAC3Nza ops@a"])
    assert result.returncode == 0 and result.stdout == ""
    failing, _ = run(tmp_path / "again", "/bin/sh -c 'exit 7'", ["ssh-ed25519 AAAAC3Nza ops@a"])
    assert failing.returncode == 7


def test_an_unsplittable_command_line_is_refused():
    with pytest.raises(ValueError):
        key_installer_command("echo 'unbalanced")
