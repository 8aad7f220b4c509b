"""dbt-duckdb plugin of this project (``profiles.yml``: ``plugins: [{module:
customer_segmentation.dbt_plugin}]``).

- Before dbt-duckdb opens the warehouse: a file held by another process stops the build with
  one line naming the process and what to do (instead of dbt's long chained traceback).
- On every connection and cursor: the SQL functions the publish step uses to move the exports
  into place (``segmentation_prepare_exports``, ``segmentation_publish_exports``; see
  :mod:`customer_segmentation.exports`).
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.exceptions import DbtRuntimeError

from customer_segmentation.exports import (
    WarehouseLockedError,
    check_warehouse_unlocked,
    prepare_exports,
    publish_exports,
)

_FUNCTIONS = {
    "segmentation_prepare_exports": (
        prepare_exports,
        ["VARCHAR", "VARCHAR", "VARCHAR"],
        "VARCHAR",
    ),
    "segmentation_publish_exports": (publish_exports, ["VARCHAR", "VARCHAR"], "BIGINT"),
}


def register_functions(connection: Any) -> None:
    """Register the export functions on a DuckDB connection or cursor; a cursor sees the
    functions of its connection, so a function already there is kept."""
    import duckdb

    for name, (function, parameters, returns) in _FUNCTIONS.items():
        try:
            connection.create_function(name, function, parameters, returns, side_effects=True)
        except duckdb.CatalogException as error:
            if "already exists" not in str(error):
                raise


class Plugin(BasePlugin):
    """The project's dbt-duckdb plugin (see the module docstring)."""

    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        try:
            check_warehouse_unlocked(str(creds.path), config)
        except WarehouseLockedError as error:
            raise DbtRuntimeError(str(error)) from None

    def configure_connection(self, conn: Any) -> None:
        register_functions(conn)

    def configure_cursor(self, cursor: Any) -> None:
        register_functions(cursor)
