"""The staff dashboard: today and the last 30 days per currency, with a daily chart; with
subscriptions, the MRR at the end of each period, new and churned subscriptions and failed
renewals (``payments.selectors.subscription_reports``).

Reached from the admin index ("Payments dashboard") at ``admin/payments/paymentsession/
dashboard/``; the admin site's login and staff checks apply, and the user also needs the
view permission on payment sessions.
"""

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe

from payments.admin.charts import revenue_chart_svg
from payments.money import format_money
from payments.selectors import daily_series, payments_report, period_for

DAYS = 30
MONEY_FIGURES = ["gross", "refunded", "fees", "net", "average"]
SUBSCRIPTION_ZEROS = {"new_subscriptions": 0, "churned_subscriptions": 0, "failed_renewals": 0}


def dashboard_view(model_admin):
    def view(request):
        if not model_admin.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        today = payments_report(period=period_for(days=1, now=now))
        month_period = period_for(days=DAYS, now=now)
        month = payments_report(period=month_period)
        series = daily_series(period=month_period)
        currencies = [
            {
                "code": code.upper(),
                "today": _display(code, today["currencies"].get(code)),
                "month": _display(code, figures),
                "top_customers": [
                    {**row, "amount": format_money(row["amount"], code)}
                    for row in figures["top_customers"]
                ],
                "chart": mark_safe(revenue_chart_svg(series.get(code, []), code)),  # noqa: S308  (built and escaped by charts.py)
            }
            for code, figures in month["currencies"].items()
        ]
        context = {
            **model_admin.admin_site.each_context(request),
            "title": "Payments dashboard",
            "opts": model_admin.model._meta,
            "period": month_period,
            "days": DAYS,
            "currencies": currencies,
        }
        return TemplateResponse(request, "admin/payments/dashboard.html", context)

    return view


def _display(code: str, figures: dict | None) -> dict:
    """The figures of one currency and period, formatted for people."""
    if figures is None:
        return {"count": 0, "paid_count": 0, "mrr": format_money(0, code), **SUBSCRIPTION_ZEROS}
    shown = {
        "count": sum(figures["count_by_status"].values()),
        "paid_count": figures["paid_count"],
        "success_rate": _percent(figures["success_rate"]),
        "failure_rate": _percent(figures["failure_rate"]),
        "mrr": format_money(figures["mrr"], code),
        **{key: figures[key] for key in SUBSCRIPTION_ZEROS},
    }
    for key in MONEY_FIGURES:
        value = figures[key]
        shown[key] = "-" if value is None else format_money(value, code)
    return shown


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1%}"
