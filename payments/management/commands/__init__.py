"""The app's management commands: thin shells over services and selectors."""
