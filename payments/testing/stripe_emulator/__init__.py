"""An offline, stateful Stripe API emulator for tests and local development.

    from payments.testing.stripe_emulator import StripeEmulator

Pure standard library: it never imports `stripe` or Django. See `emulator.StripeEmulator`.
"""

from .emulator import StripeEmulator

__all__ = ["StripeEmulator"]
