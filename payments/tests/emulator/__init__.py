"""Tests of the Stripe emulator itself, through the stripe SDK."""
