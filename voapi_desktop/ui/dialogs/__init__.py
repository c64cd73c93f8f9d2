"""Edit dialogs (channel, token, user) and the new-key dialog."""
