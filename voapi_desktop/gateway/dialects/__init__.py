"""Pure translations between API dialects (OpenAI, Anthropic, Gemini): no I/O."""
