import pytest

from geneb.core import GenebError, MissingDataError, Registry, UnknownNameError
from geneb.core.provenance import sequence_hashes


def test_unknown_name_suggests_close_matches_and_is_a_keyerror():
    reg = Registry("model", hint="geneb models list")
    for name in ("kmer-3", "kmer-4", "random-bert"):
        reg.register(name, object())
    with pytest.raises(UnknownNameError) as err:
        reg.get("kmer3")
    assert isinstance(err.value, KeyError) and isinstance(err.value, GenebError)
    msg = str(err.value)
    assert "unknown model 'kmer3'" in msg and "'kmer-3'" in msg and "geneb models list" in msg


def test_duplicate_registration_is_refused():
    reg = Registry("task")
    reg.register("a", 1)
    with pytest.raises(ValueError):
        reg.register("a", 2)
    assert reg.get("a") == 1 and "a" in reg and len(reg) == 1


def test_errors_subclass_matching_builtins():
    assert issubclass(MissingDataError, FileNotFoundError)


def test_sequence_hash_normalises_case_and_differs_by_content():
    h = sequence_hashes(["acgt", "ACGT", "ACGA"])
    assert h.dtype.name == "uint64" and h[0] == h[1] and h[1] != h[2]


def test_lazy_targets_are_imported_when_first_asked_for(tmp_path, monkeypatch):
    import sys
    (tmp_path / "geneb_lazy_target.py").write_text("LOADED = True\n\ndef build():\n    return 7\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "geneb_lazy_target", raising=False)
    reg = Registry("featurizer family")
    reg.register_lazy("seven", "geneb_lazy_target:build")
    assert "seven" in reg and reg.names() == ["seven"]
    assert "geneb_lazy_target" not in sys.modules  # registering imports nothing
    assert reg.get("seven")() == 7 and "geneb_lazy_target" in sys.modules
    assert reg.values()[0] is reg.get("seven")
    with pytest.raises(ValueError, match="already registered"):
        reg.register_lazy("seven", "geneb_lazy_target:build")
    with pytest.raises(ValueError, match="module:attr"):
        reg.register_lazy("eight", "geneb_lazy_target.build")
