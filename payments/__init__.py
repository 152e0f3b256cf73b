"""A reusable Django app that takes payments through Stripe for other services and people."""
