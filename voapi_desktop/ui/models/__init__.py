"""Thin read-only table models over lists of dataclasses, and the proxies that sort, filter and page them."""
