"""The HTTP API, one module per resource (``sessions``, ``refunds``, ``payment_methods``,
``people_payments``, ``connect``, ``webhooks``, ``tokens``); permissions, errors, schema,
pagination and the shared base view each once."""
