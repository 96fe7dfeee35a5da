from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    """Evidence, closure requests and sign-off (issue: "Blue means proven")."""

    name = "evidence"
