"""Run: audit articles one at a time or in batches, resumably, in one process or many.

Modules:
    ``auditor``      :class:`~pipeline.run.auditor.Auditor`: the stages (nlp -> claims -> frames ->
                     verify -> assess) over one article;
    ``runner``       ``overclaim audit``: a resumable batch run writing the report files;
    ``pool``         in-process and multi-process engines (results in input order, crash/hang safe);
    ``dask_engine``  the same audit on an existing Dask distributed cluster;
    ``bench``        ``overclaim bench``: tokenizer floor vs full audit throughput and peak memory;
    ``corpus``       large generated batches (templates plus real articles) for scale runs;
    ``warm``         prepares the caches (reference snapshot, linker vocabulary, models).
"""
