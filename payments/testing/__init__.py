"""What integrators reuse in their tests: a pytest plugin, factories, Stripe events, tasks."""
