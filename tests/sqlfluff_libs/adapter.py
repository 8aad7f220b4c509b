"""Stand-in for dbt's `adapter` object when sqlfluff renders models with its jinja templater.

`adapter.dispatch("name", "package")(args...)` renders as a plain function call `name(args...)`,
which is enough for the linter to parse the surrounding SQL without a database.
"""


def dispatch(name, namespace=None):
    def render(*args):
        return f"{name}({', '.join(str(a) for a in args)})"

    return render
