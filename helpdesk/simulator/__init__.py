"""The marketplace simulator: serves each platform's wire format from generated traffic."""
