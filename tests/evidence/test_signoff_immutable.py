"""Sign-off records survive every attempt to change or delete them: ORM, SQL, admin.

These run on whichever database the suite uses; CI runs them on PostgreSQL and SQLite,
where the guard is a trigger created by evidence/migrations/0002_signoff_immutable.py.
"""

import pytest
from django.contrib import admin
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from evidence import services
from evidence.models import ClosureRequest, SignOff, SignOffImmutable


@pytest.fixture
def sign_off(closure, reviewer):
    return services.closure_decline(closure=closure, by=reviewer, reason="Register unsigned")


def _unchanged(sign_off):
    fresh = SignOff.objects.get(pk=sign_off.pk)
    assert (fresh.decision, fresh.reason, fresh.decided_by_id, fresh.decided_at) == (
        sign_off.decision,
        sign_off.reason,
        sign_off.decided_by_id,
        sign_off.decided_at,
    )


def test_queryset_update_and_delete_are_refused(sign_off):
    with pytest.raises(SignOffImmutable):
        SignOff.objects.filter(pk=sign_off.pk).update(reason="Rewritten")
    with pytest.raises(SignOffImmutable):
        SignOff.objects.all().delete()
    with pytest.raises(SignOffImmutable):
        SignOff.objects.bulk_update([sign_off], ["reason"])

    _unchanged(sign_off)


def test_saving_a_changed_sign_off_is_refused_by_the_database(sign_off):
    sign_off.reason = "Rewritten"
    sign_off.decision = SignOff.Decision.APPROVED

    with pytest.raises(IntegrityError, match="Sign-off records cannot be changed or deleted"):
        with transaction.atomic():
            sign_off.save()

    _unchanged(SignOff.objects.get(pk=sign_off.pk))
    assert SignOff.objects.get(pk=sign_off.pk).reason == "Register unsigned"


def test_deleting_a_sign_off_is_refused_by_the_database(sign_off):
    with pytest.raises(IntegrityError, match="Sign-off records cannot be changed or deleted"):
        with transaction.atomic():
            sign_off.delete()

    assert SignOff.objects.filter(pk=sign_off.pk).exists()


def test_raw_sql_cannot_change_or_delete_a_sign_off(sign_off):
    table = SignOff._meta.db_table
    with pytest.raises(IntegrityError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET reason = 'Rewritten'")  # noqa: S608
    with pytest.raises(IntegrityError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608

    _unchanged(sign_off)


def test_the_closure_and_action_cannot_be_deleted_out_from_under_it(sign_off, action):
    with pytest.raises(ProtectedError):
        with transaction.atomic():
            ClosureRequest.objects.filter(pk=sign_off.closure_id).delete()
    with pytest.raises(ProtectedError):
        with transaction.atomic():
            action.delete()

    assert SignOff.objects.filter(pk=sign_off.pk).exists()


def test_the_decider_cannot_be_deleted_either(sign_off, reviewer):
    with pytest.raises(ProtectedError):
        with transaction.atomic():
            reviewer.delete()


def test_the_admin_is_read_only_for_everyone(rf, sign_off, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", "x" * 16)
    request = rf.get("/")
    request.user = superuser
    model_admin = admin.site._registry[SignOff]

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, sign_off)
    assert not model_admin.has_delete_permission(request, sign_off)
    assert not model_admin.get_actions(request)


def test_the_admin_refuses_a_posted_change_or_delete(client, sign_off, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", "x" * 16)
    client.force_login(superuser)
    change = reverse("admin:evidence_signoff_change", args=[sign_off.pk])
    delete = reverse("admin:evidence_signoff_delete", args=[sign_off.pk])

    client.post(change, {"reason": "Rewritten", "decision": "approved"})
    response = client.post(delete, {"post": "yes"})

    assert response.status_code == 403
    _unchanged(sign_off)


def test_the_guard_is_installed_on_this_database(db):
    """A later migration that rebuilds the table on SQLite would drop it: this notices."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'evidence_signoff'::regclass "
                "AND NOT tgisinternal"
            )
            assert [r[0] for r in cursor.fetchall()] == ["evidence_signoff_immutable"]
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'evidence_signoff' ORDER BY name"
            )
            assert [r[0] for r in cursor.fetchall()] == [
                "evidence_signoff_no_delete",
                "evidence_signoff_no_update",
            ]


def test_the_admin_pages_show_the_records_read_only(client, sign_off, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", "x" * 16)
    client.force_login(superuser)
    evidence = sign_off.closure.evidence.get()

    for url in (
        reverse("admin:evidence_signoff_changelist"),
        reverse("admin:evidence_signoff_change", args=[sign_off.pk]),
        reverse("admin:evidence_evidence_change", args=[evidence.pk]),
        reverse("admin:evidence_closurerequest_change", args=[sign_off.closure_id]),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert b'name="_save"' not in page.content, url
