"""Placeholder until the webhook endpoint lands (issue: Stripe webhooks)."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def stripe_webhook(request):
    return HttpResponse(status=501)
