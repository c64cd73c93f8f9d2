"""Files shipped with the program: default prices, later i18n, templates, icons."""
