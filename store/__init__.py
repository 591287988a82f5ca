"""The archive of watch items. Imports none of the other stages.

Modules: `schema` (tables), `db` (engines), `migrate` (Alembic), `records`
(the plain data exchanged with the stages), and one module per concern:
`sources`, `items`, `runs`, `newsletters`.
"""
