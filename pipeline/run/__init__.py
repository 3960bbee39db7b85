"""The Luigi run: ``tasks`` (thin wiring, one task per stage and shard), ``plan`` (shards), ``layout``
(where every file goes), ``files`` (every read and write), ``writers`` (parts, rejects, manifest),
``signature_files`` (dedup signatures on disk), ``progress`` and ``locking``."""
