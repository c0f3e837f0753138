"""FieldSafe: offline walk audits and community-safety surveys."""

__version__ = "0.1.0"
