"""The LocalStat engine: pure statistics over frames.

No Django, no I/O beyond what a caller hands in, no clock: every function takes its inputs
(including any ``as_of`` date) as arguments and returns new frames or arrays.
"""

ENGINE_VERSION = "0.1.0"
