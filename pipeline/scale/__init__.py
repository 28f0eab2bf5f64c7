"""Batch auditing at scale: parallel and distributed engines, the benchmark, generated batches.

Modules:
    ``pool``   in-process and multi-process engines (results in input order, crash/hang safe);
    ``dask_engine``  the same audit on an existing Dask distributed cluster;
    ``bench``  ``overclaim bench``: tokenizer floor vs full audit throughput and peak memory;
    ``corpus`` large generated batches (templates plus real articles) for scale runs;
    ``cli``    registers the ``bench`` command.
"""
