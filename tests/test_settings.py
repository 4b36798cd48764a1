"""Deployment settings: `check --deploy` passes in production mode; the secret key is generated once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "SLW_HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={"SLW_HTTPS": "1", "SLW_VAR_DIR": str(tmp_path), "ALLOWED_HOSTS": "slw.example.gov.cn"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_says_nothing_at_all_with_production_settings(tmp_path):
    """Not even a warning or a note below the fail level: every deploy check is met (axes.W006 is silenced in
    settings with its reason: the per-address throttle)."""
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        env={"SLW_HTTPS": "1", "SECRET_KEY": "x" * 64 + "-production-key", "SLW_VAR_DIR": str(tmp_path),
             "ALLOWED_HOSTS": "slw.example.gov.cn"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr


def test_a_secret_key_is_generated_into_var_once(tmp_path):
    _manage("check", env={"SLW_VAR_DIR": str(tmp_path)})
    key = (tmp_path / "secret_key").read_text()
    assert len(key) > 50
    _manage("check", env={"SLW_VAR_DIR": str(tmp_path)})
    assert (tmp_path / "secret_key").read_text() == key


def test_debug_is_off_unless_asked_for():
    from django.conf import settings

    assert settings.DEBUG is False
