from django.urls import path

from bookings.api import views

app_name = "bookings"

urlpatterns = [
    path("", views.BookingCreateView.as_view(), name="booking-create"),
    path("webhook/payment/", views.PaymentCallbackView.as_view(), name="payment-callback"),
    path("<uuid:pk>/", views.BookingDetailView.as_view(), name="booking-detail"),
    path(
        "<uuid:pk>/confirm-payment/",
        views.BookingConfirmPaymentView.as_view(),
        name="booking-confirm-payment",
    ),
]
