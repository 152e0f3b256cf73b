from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from payments.api import tokens

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # The app serves these under its own prefix (api/payments/auth/token/); this deployment
    # keeps its original addresses for people's clients written against them.
    path("api/auth/token/", tokens.TokenObtainView.as_view(), name="token-obtain"),
    path(
        "api/auth/token/refresh/",
        tokens.TokenRefreshOfUserView.as_view(),
        name="token-refresh",
    ),
    path("api/payments/", include("payments.urls")),
    path("api/bookings/", include("bookings.api.urls")),
]
