"""History as data: field names and raw values instead of screen labels and display values.

Until now ``HistoryEntry.changes`` was keyed by the labels the pages showed ("RAGB", "end
date", "exec lead") with values as shown ("Green", "31/05/2019", "DOps/MD"), and the
board report parsed them back. This converts every entry to the field names and raw
values ``actions.history`` defines, and records each actor's name beside the actor.

The labels and values below are frozen as they were when the entries were written (this
migration must not follow later renames). Reversible: going back writes the labels and
display values again (an action lead's id and a plan's id are dropped).
"""

import datetime as dt

from django.db import migrations, models

STATUS = {"Red": "R", "Amber": "A", "Green": "G", "Blue": "B", "White": "W"}
KINDS = {
    "Regulatory requirement notice": "regulatory",
    "Section 29A warning notice": "s29a",
    "Section 31 condition": "s31",
    "Must do": "must",
    "Should do": "should",
}
UPDATE_KINDS = {"update_saved", "update_replaced"}

# label as written (lower case) -> (field name, how its value is read)
LABELS = {
    "ref.": ("ref", "text"),
    "ref": ("ref", "text"),
    "theme": ("theme", "text"),
    "dept": ("department", "text"),
    "department": ("department", "text"),
    "finding kind": ("kind", "kind"),
    "must do / should do": ("kind", "kind"),
    "requirement and actions": ("requirement", "text"),
    "start date": ("start_date", "date"),
    "end date": ("end_date", "date"),
    "ragb": ("status", "status"),
    "action status": ("status", "status"),
    "status": ("update_status", "status"),
    "narrative": ("narrative", "text"),
    "action lead": ("action_lead", "person"),
    "exec lead": ("exec_leads", "/"),
    "findings": ("findings", ","),
    "evidence": ("evidence", ";"),
    "plan": ("plan", "plan"),
}
# field name -> (label, how its value is shown), for going back
SHOWN = {
    "ref": ("ref.", "text"),
    "theme": ("theme", "text"),
    "department": ("dept", "text"),
    "kind": ("finding kind", "kind"),
    "requirement": ("requirement and actions", "text"),
    "start_date": ("start date", "date"),
    "end_date": ("end date", "date"),
    "status": ("RAGB", "status"),
    "update_status": ("status", "status"),
    "narrative": ("narrative", "text"),
    "action_lead": ("action lead", "person"),
    "exec_leads": ("exec lead", "/"),
    "findings": ("findings", ","),
    "evidence": ("evidence", ";"),
    "plan": ("plan", "plan"),
    "peer_inspector": ("peer inspector", "person"),
}
SEPARATORS = {"/": "/", ",": ", ", ";": "; "}


def _iso(shown):
    if not shown:
        return None
    for parse in (
        lambda s: dt.datetime.strptime(s, "%d/%m/%Y").date(),
        dt.date.fromisoformat,
    ):
        try:
            return parse(str(shown)).isoformat()
        except ValueError:
            pass
    return shown


def _read(how, shown, lookups):
    if how == "text":
        return shown
    if how == "date":
        return _iso(shown)
    if how == "status":
        return STATUS.get(shown, shown) or None
    if how == "kind":
        return KINDS.get(shown, shown) or None
    if how in SEPARATORS:
        if isinstance(shown, list):
            return shown
        return [p.strip() for p in str(shown or "").split(how) if p.strip()]
    if isinstance(shown, dict) or not shown:
        return shown or None
    found = lookups[how].get(shown)  # the one user or plan of that name, if only one
    return {"id": found, "name": shown}


def _show(how, value):
    if value is None:
        return ""
    if how == "date":
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except (TypeError, ValueError):
            return value
    if how == "status":
        return {v: k for k, v in STATUS.items()}.get(value, value)
    if how == "kind":
        return {v: k for k, v in KINDS.items()}.get(value, value)
    if how in SEPARATORS:
        return SEPARATORS[how].join(value) if isinstance(value, list) else value
    if how in ("person", "plan"):
        return value.get("name", "") if isinstance(value, dict) else value
    return value


def _unique(pairs):
    seen, result = set(), {}
    for name, pk in pairs:
        if name in seen:
            result.pop(name, None)
        else:
            result[name] = pk
        seen.add(name)
    return {k: v for k, v in result.items() if k}


def forwards(apps, schema_editor):
    HistoryEntry = apps.get_model("actions", "HistoryEntry")
    User = apps.get_model("auth", "User")
    Plan = apps.get_model("actions", "Plan")
    users = list(User.objects.values_list("pk", "first_name", "last_name", "username"))
    names = {pk: f"{first} {last}".strip() or username for pk, first, last, username in users}
    lookups = {
        "person": _unique((name, pk) for pk, name in names.items()),
        "plan": _unique(Plan.objects.values_list("name", "pk")),
    }
    for pk, name in names.items():
        HistoryEntry.objects.filter(actor_id=pk, actor_name="").update(actor_name=name[:300])
    batch = []
    for entry in HistoryEntry.objects.exclude(changes={}).only("id", "kind", "changes").iterator(
        chunk_size=2000
    ):
        if not isinstance(entry.changes, dict):
            continue
        converted = {}
        for key, pair in entry.changes.items():
            if not isinstance(pair, list) or len(pair) != 2 or key.lower() not in LABELS:
                converted[key] = pair  # already a field name, or nothing this knows
                continue
            name, how = LABELS[key.lower()]
            if name == "update_status" and entry.kind not in UPDATE_KINDS:
                name = "status"
            converted[name] = [_read(how, v, lookups) for v in pair]
        if converted != entry.changes:
            entry.changes = converted
            batch.append(entry)
        if len(batch) >= 1000:
            HistoryEntry.objects.bulk_update(batch, ["changes"])
            batch = []
    HistoryEntry.objects.bulk_update(batch, ["changes"])
    batch = []
    # "Peer inspector named" kept the inspector's name as the note: now a person field.
    named = HistoryEntry.objects.filter(kind="inspector_named", changes={}).exclude(note="")
    for entry in named.only("id", "note").iterator(chunk_size=2000):
        entry.changes = {"peer_inspector": [None, _read("person", entry.note, lookups)]}
        entry.note = ""
        batch.append(entry)
    HistoryEntry.objects.bulk_update(batch, ["changes", "note"], batch_size=1000)


def backwards(apps, schema_editor):
    HistoryEntry = apps.get_model("actions", "HistoryEntry")
    batch = []
    entries = HistoryEntry.objects.exclude(changes={}).only("id", "kind", "changes", "note")
    for entry in entries.iterator(chunk_size=2000):
        if not isinstance(entry.changes, dict):
            continue
        shown = {}
        for key, pair in entry.changes.items():
            if key not in SHOWN or not isinstance(pair, list) or len(pair) != 2:
                shown[key] = pair
                continue
            label, how = SHOWN[key]
            if key == "status" and entry.kind in UPDATE_KINDS:
                label = "action status"
            shown[label] = [_show(how, v) for v in pair]
        if entry.kind == "inspector_named" and "peer_inspector" in entry.changes:
            shown, entry.note = {}, _show("person", entry.changes["peer_inspector"][1])
        entry.changes = shown
        batch.append(entry)
        if len(batch) >= 1000:
            HistoryEntry.objects.bulk_update(batch, ["changes", "note"])
            batch = []
    HistoryEntry.objects.bulk_update(batch, ["changes", "note"])


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0007_history_closed_before_import"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AddField(
            model_name="historyentry",
            name="actor_name",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
