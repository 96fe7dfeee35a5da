"""Evidence and sign-off records are read-only in the admin.

Every change goes through ``evidence.services`` from the app's own pages. Sign-offs above
all: nobody may change or delete one, here or anywhere (the database refuses it too).
"""

from django.contrib import admin
from django.db import models

from improvement.admin import ReadOnlyAdmin

from .models import (
    AssuranceMeeting,
    ClosureRequest,
    ClosureSettings,
    Evidence,
    PeerInspection,
    Reopening,
    SignOff,
)


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    list_display = ["closure", "decision", "decided_by", "decided_at", "meeting"]
    list_filter = ["decision"]
    actions = None  # not even the bulk "delete selected"


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["action", "kind", "description", "added_by", "added_at", "withdrawn_at"]
    list_filter = ["kind"]
    # The file field would render a link to a URL that does not exist.
    exclude = ["file"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(ClosureRequest)
class ClosureRequestAdmin(ReadOnlyAdmin):
    list_display = ["action", "state", "requested_by", "requested_at"]
    list_filter = ["state"]


for model in (ClosureSettings, PeerInspection, AssuranceMeeting, Reopening):
    admin.site.register(model, ReadOnlyAdmin)
