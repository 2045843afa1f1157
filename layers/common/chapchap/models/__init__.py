"""Pydantic models of the API's inputs and outputs, shared by handlers, domain and OpenAPI."""
