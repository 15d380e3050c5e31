# The compiled inner loops of engine/funnel_ordered.py (_funnel_kernels.c); the buffers
# are arrays of 64-bit integers (order's masks: 32 or 64; chosen, reaches: bool), C-contiguous
# except attempts' keys, times, masks and seconds, which may have any stride.
from typing import Any

def order(
    keys: list[Any],
    times: list[Any],
    seconds: list[Any],
    masks: list[Any],
    scratch: Any,
    threads: int,
) -> None: ...
def attempts(
    n: int,
    m: int,
    keys: Any,
    times: Any,
    masks: Any,
    seconds: Any,
    starts: Any,
    steps: int,
    window: int,
    level: Any,
    chain: Any,
    chosen: Any,
    reaches: Any,
) -> bool: ...
