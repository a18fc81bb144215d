"""YAML mappings between vendor records and canonical models. Pure: no I/O imports.

Modules: :mod:`~hub.mapping.spec` (the file format), :mod:`~hub.mapping.paths` (path grammar,
compiled getters/setters), :mod:`~hub.mapping.schema` (paths checked against JSON schemas),
:mod:`~hub.mapping.binding` and :mod:`~hub.mapping.compiler` (load-time checks, compiled once),
:mod:`~hub.mapping.rules` (compiled rules and their per-record closures),
:mod:`~hub.mapping.engine` (running a compiled mapping), :mod:`~hub.mapping.transforms`
(built-ins), :mod:`~hub.mapping.registry` (named transforms, also from plugins),
:mod:`~hub.mapping.preview` (one record, explained) and :mod:`~hub.mapping.loader` (the only one
that reads files, through :mod:`hub.yamlfile`).
"""
