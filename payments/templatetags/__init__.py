"""Template tags of the payments admin pages."""
