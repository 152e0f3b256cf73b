from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Bookings (sample client of payments)"
    default_auto_field = "django.db.models.BigAutoField"
