"""Storage adapters behind the application's ports."""
