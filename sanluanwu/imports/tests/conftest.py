from __future__ import annotations

import pytest

from sanluanwu.imports import services


@pytest.fixture
def background(settings, monkeypatch):
    """Every file counts as large: its steps go to the job worker, which runs a job when the request's transaction
    commits (ImmediateBackend) or when a test calls it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr(services, "BACKGROUND_BYTES", 0)
