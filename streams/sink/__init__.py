"""The analytics sink: every signal, clock state and dead letter as Parquet (docs/reports.md).

:mod:`.schema` the datasets and their versioned columns, :mod:`.store` where files go
(atomic and durable), :mod:`.writer` records → files, :mod:`.consumer` the Kafka loop
(``slawatch sink``), :mod:`.query` the DuckDB views (``slawatch query``).
"""
