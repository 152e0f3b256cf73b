"""Admin actions on payment sessions. Each calls the same service the API or the commands use."""

import csv

from django.contrib import admin, messages
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from payments.admin.forms import RefundForm
from payments.exceptions import PaymentsError
from payments.money import format_money
from payments.selectors.callbacks import callback_ids_latest_or_undelivered
from payments.selectors.exports import csv_rows
from payments.services.callbacks import callback_redeliver
from payments.services.refunds import refund_create

MAX_REFUNDS_PER_ACTION = 50


@admin.action(description="Refund selected payments…", permissions=["refund"])
def refund_sessions(modeladmin, request, queryset):
    """An intermediate page asks for the amount and reason, then ``refund_create`` runs for
    each session, exactly as ``POST /sessions/{id}/refunds/`` does."""
    sessions = list(queryset.select_related("customer")[: MAX_REFUNDS_PER_ACTION + 1])
    if len(sessions) > MAX_REFUNDS_PER_ACTION:
        modeladmin.message_user(
            request, f"Refund at most {MAX_REFUNDS_PER_ACTION} payments at once.", messages.ERROR
        )
        return None
    currency = sessions[0].currency if len(sessions) == 1 else None
    form = RefundForm(request.POST if "apply" in request.POST else None, currency=currency)
    if form.is_bound and form.is_valid():
        _refund_each(modeladmin, request, sessions, form)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Refund payments",
        "opts": modeladmin.model._meta,
        "form": form,
        "rows": [
            {
                "session": session,
                "amount": format_money(session.amount, session.currency),
                "refunded": format_money(session.amount_refunded, session.currency),
            }
            for session in sessions
        ],
        "action": "refund_sessions",
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/payments/paymentsession/refund.html", context)


def _refund_each(modeladmin, request, sessions, form: RefundForm) -> None:
    actor = f"staff:{request.user.get_username()}"
    for session in sessions:
        try:
            refund = refund_create(
                session_id=session.pk,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                requested_by=actor,
                refund_id=form.refund_id_for(session.pk),
            )
        except PaymentsError as error:
            modeladmin.message_user(request, f"{session.pk}: {error.message}", messages.ERROR)
            continue
        money = format_money(refund.amount, refund.currency)
        modeladmin.message_user(
            request, f"{session.pk}: refund of {money} is {refund.status}.", messages.SUCCESS
        )


class _Echo:
    """A write-only "file" that hands back what it is given (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


@admin.action(description="Export selected payments to CSV", permissions=["view"])
def export_csv(modeladmin, request, queryset):
    """The same columns and formatting as ``export_payments``, streamed."""
    writer = csv.writer(_Echo(), lineterminator="\n")
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in csv_rows(queryset.order_by(*modeladmin.ordering))),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="payments-{stamp}.csv"'
    return response


@admin.action(description="Redeliver callbacks of selected payments", permissions=["redeliver"])
def redeliver_callbacks(modeladmin, request, queryset):
    """Queue again, for each selected session, its latest callback and any that were not
    delivered (receivers dedupe by event id and ignore older sequences)."""
    per_session = callback_ids_latest_or_undelivered(sessions=queryset)
    wanted = set().union(*per_session.values())
    if not wanted:
        modeladmin.message_user(
            request, "The selected payments have no callbacks.", messages.WARNING
        )
        return
    queued = callback_redeliver(callback_ids=sorted(wanted))
    modeladmin.message_user(
        request,
        f"Queued {queued} callbacks of {len(per_session)} payments for delivery.",
        messages.SUCCESS,
    )
