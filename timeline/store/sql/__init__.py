"""SQL storage: table definitions and one recorder module per backend."""
