"""Contract tests: the Stripe adapter and the emulator against the SDK's and Stripe's contract."""
