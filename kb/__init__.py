"""The knowledge base's shape, shared by the side that writes it (``ingest``) and the side that reads it
(``explorer``): one layer below both, above only ``taxonomy``. It holds no logic beyond the table
definitions, so importing it costs a reader nothing of the write side."""
