"""YAML mappings between vendor records and canonical models. Pure: no I/O imports."""
