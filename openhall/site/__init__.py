"""The whole site put together: what needs every app at once (the demo center, `serve`).

It is the top of the layers (docs/architecture.md): it may import any app, and no app imports
it, so `core` stays free of the domains it would otherwise need for the demo data.
"""
