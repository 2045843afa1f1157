"""The resume check: a score from explained rules (`rules.py`), keywords against a job
description (`keywords.py`), optional findings of a language model (`model.py`), and the
queued job that runs them (`jobs.py`). See docs/resume-check.md."""
