import threading

import pytest

from geneb.core.atomic import atomic_write_bytes, atomic_write_text
from geneb.core.sequences import reverse_complement


def test_reverse_complement_is_iupac_aware_and_an_involution():
    assert reverse_complement("AACGTN") == "NACGTT"
    # every IUPAC pair swaps; S, W, N are their own complement; case is kept
    assert reverse_complement("ACGTRYKMBVDHSWN") == "NWSDHBVKMRYACGT"
    assert reverse_complement("rykmbvdh") == "dhbvkmry"
    s = "ACGTRYKMBVDHSWNacgtrykmbvdhswn"
    assert reverse_complement(reverse_complement(s)) == s


def test_one_reverse_complement_in_extract_and_tasks():
    from geneb.extract import hf
    from geneb.tasks import genomic_benchmarks, quality

    assert hf.reverse_complement is reverse_complement
    assert genomic_benchmarks.reverse_complement is reverse_complement
    assert quality.reverse_complement is reverse_complement


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path):
    p = tmp_path / "a.txt"
    atomic_write_text(p, "one")
    atomic_write_text(p, "two")
    assert p.read_text() == "two" and [f.name for f in tmp_path.iterdir()] == ["a.txt"]


def test_atomic_write_cleans_up_on_error_and_keeps_old_file(tmp_path):
    p = tmp_path / "a.bin"
    atomic_write_bytes(p, b"old")
    with pytest.raises(TypeError):
        atomic_write_bytes(p, "not bytes")  # type: ignore[arg-type]
    assert p.read_bytes() == b"old" and [f.name for f in tmp_path.iterdir()] == ["a.bin"]


def test_concurrent_writers_to_one_folder_do_not_share_a_temp_file(tmp_path):
    # With a fixed temp name, a writer renames the other's half-written file (or fails
    # with FileNotFoundError); with unique names every write lands whole.
    p = tmp_path / "run_info.json"
    errors: list[BaseException] = []
    payloads = [(str(i) * 200_000).encode() for i in range(4)]

    def write(data: bytes) -> None:
        try:
            for _ in range(20):
                atomic_write_bytes(p, data)
        except BaseException as exc:  # pragma: no cover - failure path
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(d,)) for d in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert p.read_bytes() in payloads
    assert [f.name for f in tmp_path.iterdir()] == ["run_info.json"]


def test_removed_dead_code_stays_removed():
    # no callers anywhere (code, tests, README); kept only as duplicate entry points
    from geneb.analysis import official
    from geneb.tasks import files, normalize, user

    assert not hasattr(normalize, "normalize_sequences") and hasattr(normalize, "normalize")
    assert not hasattr(user, "load_user_task") and hasattr(user, "user_source")
    assert not hasattr(official, "published_leaderboard")
    assert not hasattr(files, "_sort_key")
