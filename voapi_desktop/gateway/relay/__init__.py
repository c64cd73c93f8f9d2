"""The relay: one request from authentication to settlement."""
