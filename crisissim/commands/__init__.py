"""Sub-commands of the ``crisissim`` CLI, one module each, each with ``register(app)``."""
