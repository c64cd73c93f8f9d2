"""Reusable widgets: the list page, pager, JSON editor, secret and copy fields, chart, cards."""
