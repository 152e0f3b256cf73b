"""The API's URL patterns (``payments.api.urls``), each resource's views by name.

``payments.urls`` includes them with the token endpoints and the envelope 404.
"""

from django.urls import path

from payments.api import (
    connect,
    payment_methods,
    people_payments,
    refunds,
    sessions,
    subscriptions,
    webhooks,
)

app_name = "payments"

urlpatterns = [
    path("checkout/", sessions.CheckoutCreateView.as_view(), name="checkout-create"),
    path(
        "payment-intents/", sessions.PaymentIntentCreateView.as_view(), name="payment-intent-create"
    ),
    path("sessions/", sessions.SessionListView.as_view(), name="session-list"),
    path("sessions/<uuid:pk>/", sessions.SessionDetailView.as_view(), name="session-detail"),
    path("status/<uuid:pk>/", sessions.SessionStatusView.as_view(), name="session-status"),
    path(
        "sessions/<uuid:pk>/refunds/",
        refunds.RefundListCreateView.as_view(),
        name="session-refunds",
    ),
    path(
        "subscriptions/",
        subscriptions.SubscriptionListCreateView.as_view(),
        name="subscription-list",
    ),
    path(
        "subscriptions/<uuid:pk>/",
        subscriptions.SubscriptionDetailView.as_view(),
        name="subscription-detail",
    ),
    path(
        "subscriptions/<uuid:pk>/cancel/",
        subscriptions.SubscriptionCancelView.as_view(),
        name="subscription-cancel",
    ),
    path(
        "subscriptions/<uuid:pk>/resume/",
        subscriptions.SubscriptionResumeView.as_view(),
        name="subscription-resume",
    ),
    path(
        "subscriptions/<uuid:pk>/portal/",
        subscriptions.SubscriptionPortalView.as_view(),
        name="subscription-portal",
    ),
    path("webhook/stripe/", webhooks.stripe_webhook, name="stripe-webhook"),
    # People (JWT or session): saved cards, backend charging, their payments, payee accounts.
    path(
        "payment-methods/",
        payment_methods.PaymentMethodListCreateView.as_view(),
        name="payment-method-list",
    ),
    path(
        "payment-methods/<str:payment_method>/",
        payment_methods.PaymentMethodDetailView.as_view(),
        name="payment-method-detail",
    ),
    path(
        "payment-methods/<str:payment_method>/default/",
        payment_methods.PaymentMethodDefaultView.as_view(),
        name="payment-method-default",
    ),
    path("process-payment/", people_payments.ProcessPaymentView.as_view(), name="process-payment"),
    path(
        "connect/accounts/",
        connect.ConnectAccountCreateView.as_view(),
        name="connect-account-create",
    ),
    path(
        "connect/accounts/me/",
        connect.ConnectAccountMeView.as_view(),
        name="connect-account-me",
    ),
    path("", people_payments.PaymentListView.as_view(), name="people-payment-list"),
    # Only a UUID matches, so sessions/, checkout/ and the rest above are never shadowed.
    path("<uuid:pk>/", people_payments.PaymentDetailView.as_view(), name="people-payment-detail"),
]
