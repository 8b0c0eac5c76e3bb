"""The LocalStat engine: pure statistics over frames.

No Django and no clock: every function takes its inputs (including any ``as_of`` date) as arguments
and returns new frames or arrays. Files are read and written only by ``io.py`` for the engine's own
command line (``localstat engine …``), which runs before, and without, Django.
"""

ENGINE_VERSION = "0.1.0"
