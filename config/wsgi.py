"""WSGI entry point for gunicorn (`make run`)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.umask(0o077)  # data files are the service user's only (sanluanwu.core.files)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
