"""What the server log says of a refused request: one line (status, method, path), never a traceback; and a phone
or ID number typed into the path is masked there (core.masking.mask_in_path).

Django logs a 403 or 404 raised as an exception (PermissionDenied, Http404) with its traceback: in a production log
that is noise, and it spells out code paths and the refusing rule's words to whoever reads the log. Server errors
(500) keep theirs: that is what the log is for.
"""

from __future__ import annotations

import logging

from sanluanwu.core.masking import mask_in_path


class ClientErrorsWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        if isinstance(record.args, tuple):  # Django's "Not Found: %s" and the like: the path is an argument
            record.args = tuple(mask_in_path(a) if isinstance(a, str) else a for a in record.args)
        return True
