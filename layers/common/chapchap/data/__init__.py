"""Data access: the table's keys and items. Knows DynamoDB, not HTTP. The key design is in docs/data.md."""
