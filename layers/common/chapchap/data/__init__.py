"""Data access: the table's keys and items. Knows DynamoDB, not HTTP. See docs/DATA_MODEL.md."""
