from django.urls import path

from payments.api import refund_views, views, webhook_views

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
]
