"""Every write: business logic as keyword-only functions named ``<entity>_<action>``."""
