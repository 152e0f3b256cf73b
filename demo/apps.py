from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The sample deployment's demo data: known credentials and seeded payments.

    Not part of the ``payments`` distribution: a production wheel carries no known API key and
    no seeding commands. It imports ``payments`` (it writes its rows); nothing imports it.
    """

    name = "demo"
    verbose_name = "Demo data (sample deployment only)"
