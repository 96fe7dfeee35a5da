"""URLs of the evidence app."""

urlpatterns: list = []
