"""Optional generative backend: an OpenAI-compatible chat endpoint, with every sentence checked."""
