"""VoAPI Desktop: a personal, self-hosted LLM API gateway with a desktop console."""

__version__ = "0.1.0"
