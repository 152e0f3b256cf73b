"""Forms of the admin's intermediate pages."""

import uuid
from decimal import Decimal, InvalidOperation

from django import forms

from payments.models.refunds import RefundReason
from payments.money import to_minor


class RefundForm(forms.Form):
    """Refund the selected sessions: everything left, or (for one session) an amount."""

    # Typed in major units (12.50) and turned into minor units at once: money never stays a
    # Decimal past this form.
    amount = forms.CharField(
        required=False,
        max_length=20,
        help_text="In the session's currency, e.g. 12.50 (or 1250 for JPY). Leave empty to "
        "refund everything that is left. Only for a single session.",
    )
    reason = forms.ChoiceField(choices=[("", "-"), *RefundReason.choices], required=False)
    # Names this submission: a double-clicked or resent form finds the refunds it started
    # instead of making new ones (the refund ids derive from it).
    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, currency: str | None, **kwargs):
        """``currency``: the one selected session's; ``None`` when several are selected."""
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_amount(self) -> int | None:
        text = (self.cleaned_data["amount"] or "").strip()
        if not text:
            return None
        if self.currency is None:
            raise forms.ValidationError(
                "A partial amount needs exactly one selected session; leave it empty to "
                "refund each selected session in full."
            )
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(f"'{text}' is not an amount such as 12.50.") from None
        if not amount.is_finite() or amount <= 0:
            raise forms.ValidationError("Enter an amount greater than zero.")
        try:
            return to_minor(amount, self.currency)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def refund_id_for(self, session_id: object) -> uuid.UUID:
        return uuid.uuid5(self.cleaned_data["token"], str(session_id))
