"""Stop a real extraction part-way, as a Ctrl-C between two chunks would."""

import pytest

from geneb.extract.runner import extract_task


def interrupt_extraction(store, featurizer, task, *, at_call: int, chunk_rows: int) -> list[int]:
    """Run ``extract_task`` and raise KeyboardInterrupt when the featurizer is called for
    the ``at_call``-th time; returns the batch sizes it was called with."""
    embed_all, calls = featurizer.embed_all, []

    def stop(seqs):
        calls.append(len(seqs))
        if len(calls) == at_call:
            raise KeyboardInterrupt
        return embed_all(seqs)

    featurizer.embed_all = stop
    with pytest.raises(KeyboardInterrupt):
        extract_task(store, featurizer, task, chunk_rows=chunk_rows)
    return calls
