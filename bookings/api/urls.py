from django.urls import path, re_path

from bookings.api import views
from bookings.api.guards import not_found

app_name = "bookings"

urlpatterns = [
    path("", views.BookingCreateView.as_view(), name="booking-create"),
    path("webhook/payment/", views.PaymentCallbackView.as_view(), name="payment-callback"),
    path("memberships/", views.MembershipCreateView.as_view(), name="membership-create"),
    path("memberships/<uuid:pk>/", views.MembershipDetailView.as_view(), name="membership-detail"),
    path(
        "memberships/<uuid:pk>/cancel/",
        views.MembershipCancelView.as_view(),
        name="membership-cancel",
    ),
    path(
        "memberships/<uuid:pk>/portal/",
        views.MembershipPortalView.as_view(),
        name="membership-portal",
    ),
    path("<uuid:pk>/", views.BookingDetailView.as_view(), name="booking-detail"),
    path(
        "<uuid:pk>/confirm-payment/",
        views.BookingConfirmPaymentView.as_view(),
        name="booking-confirm-payment",
    ),
    # Last: any other path (a booking id that is not a UUID) answers 404 in the envelope.
    re_path(r"^(?P<unmatched>.*)$", not_found, name="not-found"),
]
