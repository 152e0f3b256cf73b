"""The app's tests, mirroring its modules; they run the real Stripe SDK against the emulator."""
