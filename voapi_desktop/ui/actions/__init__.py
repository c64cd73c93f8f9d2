"""One function per user action: each runs its service call through ops."""
