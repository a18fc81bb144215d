"""Connector packages bundled with the hub; each registers through the ``hub`` entry points."""
