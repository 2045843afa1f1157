"""The admin dashboard's domain: users, CVs, payments and their reports, templates, settings,
the audit log's reader, stats."""
