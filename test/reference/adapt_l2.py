"""L2 reference: EWC's state layout (adapt_ewc.py) with F = 1."""
from adapt_ewc import inject  # noqa: F401
