from django.urls import path

from payments.api import (
    connect_views,
    payment_method_views,
    people_views,
    refund_views,
    views,
    webhook_views,
)

app_name = "payments"

urlpatterns = [
    path("checkout/", views.CheckoutCreateView.as_view(), name="checkout-create"),
    path("payment-intents/", views.PaymentIntentCreateView.as_view(), name="payment-intent-create"),
    path("sessions/", views.SessionListView.as_view(), name="session-list"),
    path("sessions/<uuid:pk>/", views.SessionDetailView.as_view(), name="session-detail"),
    path("status/<uuid:pk>/", views.SessionStatusView.as_view(), name="session-status"),
    path(
        "sessions/<uuid:pk>/refunds/",
        refund_views.RefundListCreateView.as_view(),
        name="session-refunds",
    ),
    path("webhook/stripe/", webhook_views.stripe_webhook, name="stripe-webhook"),
    # People (JWT or session): saved cards, backend charging, their payments, payee accounts.
    path(
        "payment-methods/",
        payment_method_views.PaymentMethodListCreateView.as_view(),
        name="payment-method-list",
    ),
    path(
        "payment-methods/<str:payment_method>/",
        payment_method_views.PaymentMethodDetailView.as_view(),
        name="payment-method-detail",
    ),
    path(
        "payment-methods/<str:payment_method>/default/",
        payment_method_views.PaymentMethodDefaultView.as_view(),
        name="payment-method-default",
    ),
    path("process-payment/", people_views.ProcessPaymentView.as_view(), name="process-payment"),
    path(
        "connect/accounts/",
        connect_views.ConnectAccountCreateView.as_view(),
        name="connect-account-create",
    ),
    path(
        "connect/accounts/me/",
        connect_views.ConnectAccountMeView.as_view(),
        name="connect-account-me",
    ),
    path("", people_views.PaymentListView.as_view(), name="people-payment-list"),
    # Only a UUID matches, so sessions/, checkout/ and the rest above are never shadowed.
    path("<uuid:pk>/", people_views.PaymentDetailView.as_view(), name="people-payment-detail"),
]
