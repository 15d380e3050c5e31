"""cjo: customer journey orchestration as code."""

__version__ = "0.1.0"

DISTRIBUTION = "cjo-cli"
"""The name to `pip install` (PyPI's `cjo` is another project); the command is `cjo` and
the import package `cjo_cli`. tests/test_distribution.py holds it equal to pyproject.toml."""
