"""Every email the product sends says it was sent by a machine (RFC 3834).

``Auto-Submitted: auto-generated`` keeps out-of-office replies and auto-forwarders from
answering the reminders and reports. It is set here, in the one backend every message
passes through, so no new email can forget it; the real backend (console locally, SMTP
from ``EMAIL_URL``) is ``EMAIL_INNER_BACKEND``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend

AUTO_SUBMITTED = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}


class AutoSubmittedEmailBackend(BaseEmailBackend):
    def __init__(self, fail_silently: bool = False, **kwargs):
        super().__init__(fail_silently=fail_silently)
        self.inner = get_connection(
            settings.EMAIL_INNER_BACKEND, fail_silently=fail_silently, **kwargs
        )

    def open(self):
        return self.inner.open()

    def close(self):
        return self.inner.close()

    def send_messages(self, email_messages):
        for message in email_messages:
            for name, value in AUTO_SUBMITTED.items():
                message.extra_headers.setdefault(name, value)
        return self.inner.send_messages(email_messages)
