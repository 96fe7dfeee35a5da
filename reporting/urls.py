"""URLs of the reporting app."""

urlpatterns: list = []
