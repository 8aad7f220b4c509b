"""Stand-in for dbt's `exceptions` object when sqlfluff renders models with its jinja templater."""


def raise_compiler_error(message):
    raise RuntimeError(message)
