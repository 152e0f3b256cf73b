"""factory-boy factories for the payments models, reusable by integrators' tests."""

import factory

from payments.models import APIClient, Customer, PaymentSession


class APIClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = APIClient

    name = factory.Sequence(lambda n: f"client-{n}")
    callback_url = "http://127.0.0.1:9/callbacks/"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    name = factory.Faker("name")


class PaymentSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentSession

    api_client = factory.SubFactory(APIClientFactory)
    # The session's client owns its customer, as the API makes them.
    customer = factory.SubFactory(CustomerFactory, api_client=factory.SelfAttribute("..api_client"))
    payable_type = "booking"
    payable_id = factory.Sequence(lambda n: f"bk_{n}")
    amount = 2500
    currency = "gbp"
    description = "Deposit"
