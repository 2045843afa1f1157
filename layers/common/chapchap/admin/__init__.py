"""The admin dashboard's domain: users, CVs, payments, templates, settings, audit, stats."""
