"""What reads a finished output folder: ``output`` (the one reader, and the record schema), ``stats``,
``inspect``, ``report`` and ``verify``."""
