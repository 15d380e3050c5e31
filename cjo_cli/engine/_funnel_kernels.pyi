# The compiled inner loops of engine/funnel_ordered.py (_funnel_kernels.c); the buffers
# are C-contiguous arrays of 64-bit integers (masks: 32 or 64).
from typing import Any

def order(
    keys: list[Any], times: list[Any], seconds: list[Any], masks: list[Any], scratch: Any
) -> None: ...
def chains(
    n: int,
    m: int,
    customer: Any,
    times: Any,
    masks: Any,
    starts: Any,
    steps: int,
    window: int,
    level: Any,
    chain: Any,
) -> None: ...
