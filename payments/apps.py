"""The app's configuration: ``ready()`` registers the system checks."""

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured

# Apps whose models payments' models import: without one, Django stops while loading our models
# with a RuntimeError about a foreign model class, before any system check can run.
MODEL_DEPENDENCIES = (
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework_api_key",
)


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"
    default_auto_field = "django.db.models.BigAutoField"

    def import_models(self) -> None:
        try:
            super().import_models()
        except RuntimeError as error:
            # Name the missing app, as the system check payments.E040 would.
            from payments.checks import check_required_apps

            missing = [
                f"({e.id}) {e.msg} {e.hint}"
                for e in check_required_apps(None)
                if any(f"'{name}' must be" in e.msg for name in MODEL_DEPENDENCIES)
            ]
            if missing:
                raise ImproperlyConfigured("\n".join(missing)) from error
            raise

    def ready(self) -> None:
        from payments import checks  # noqa: F401  (registers the system checks)
