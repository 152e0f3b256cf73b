"""Placeholder until the refunds endpoint lands (issue: Stripe webhooks, refunds)."""

from rest_framework.views import APIView


class RefundListCreateView(APIView):
    pass
