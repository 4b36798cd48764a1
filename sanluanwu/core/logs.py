"""What the server log says of a refused request: one line (status, method, path), never a traceback.

Django logs a 403 or 404 raised as an exception (PermissionDenied, Http404) with its traceback: in a production log
that is noise, and it spells out code paths and the refusing rule's words to whoever reads the log. Server errors
(500) keep theirs: that is what the log is for.
"""

from __future__ import annotations

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True
