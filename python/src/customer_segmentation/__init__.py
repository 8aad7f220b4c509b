"""In-warehouse customer segmentation: model fitting and synthetic data for the dbt project."""

__version__ = "0.1.0"
