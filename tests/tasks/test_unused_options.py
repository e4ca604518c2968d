"""Every loader refuses every TaskLayout field (YAML key and flag) it does not read."""

from dataclasses import fields

import pytest

from geneb.cli.main import main
from geneb.cli.options import LAYOUT_FLAGS, add_layout_args, layout_values
from geneb.core import InputError
from geneb.tasks.layout import FORMATS, TaskLayout, layout_from_mapping
from geneb.tasks.loaders import COMMON, LOADERS, check_layout, flag

#: A value of the right kind for every field (as typed on a command line).
SAMPLE = {
    "task_id": "x", "category": "Promoters", "path": "data.tsv", "train": "tr.tsv",
    "test": "te.tsv", "valid": "va.tsv", "sep": ";", "column_names": "a,b",
    "sequence_column": "s", "label_column": "l", "split_column": "sp", "train_values": "tr",
    "test_values": "te", "task_column": "tc", "task": "t1", "sequence_format": "kmer",
    "label_map": "a=1,b=0", "label_pattern": r"l=(\w+)", "split_pattern": r"s=(\w+)",
    "name": "g/t", "dev": "train", "revised": "true", "genome": "g.fa", "ambiguity": "reject",
    "max_train": "10", "subsample_seed": "1", "test_fraction": "0.3", "split_seed": "7",
}
FIELDS = [f.name for f in fields(TaskLayout)]
UNUSED = [(fmt, key) for fmt, loader in LOADERS.items() for key in FIELDS
          if key not in COMMON and key not in loader.uses and key != "path"]


def test_the_sample_covers_every_field_and_every_format_has_a_loader():
    assert set(SAMPLE) | {"format"} == set(FIELDS)
    assert set(LOADERS) == set(FORMATS) - {"auto"}
    assert all(loader.uses <= set(FIELDS) for loader in LOADERS.values())
    assert len(UNUSED) > 60  # the rule bites often: e.g. table refuses name, dev, genome, ...


def test_every_field_has_one_flag_named_like_its_yaml_key():
    import argparse
    assert {f.field for f in LAYOUT_FLAGS} == set(FIELDS)
    p = argparse.ArgumentParser()
    add_layout_args(p)
    for key in FIELDS:
        argv = [flag(key), SAMPLE.get(key, "table")]
        assert layout_values(p.parse_args(argv)) == {key: [argv[1]] if key in (
            "train_values", "test_values") else argv[1]}, key


def test_every_field_a_loader_reads_passes_the_check(tmp_path):
    for fmt, loader in LOADERS.items():
        values = {k: SAMPLE[k] for k in loader.uses if k in SAMPLE}
        values.update(format=fmt, path=str(tmp_path / "d"))
        if fmt in ("table", "fasta", "nt"):
            values.pop("train"), values.pop("test")  # used, but not together with path
        assert check_layout(layout_from_mapping(values, tmp_path)) is loader


@pytest.mark.parametrize("fmt, key", UNUSED)
def test_a_field_the_loader_does_not_read_is_an_error_from_yaml_and_flags(tmp_path, capsys, fmt, key):
    values = {"format": fmt, "path": str(tmp_path / "data"), key: SAMPLE[key]}
    message = f"{key} ({flag(key)}) is not used by format '{fmt}'"
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_layout(layout_from_mapping(values, tmp_path))
    home = tmp_path / "home"
    cfg = tmp_path / "t.yaml"
    cfg.write_text("".join(f"{k}: '{v}'\n" for k, v in values.items()))
    value = [SAMPLE[key]]
    for argv in (["tasks", "add", str(cfg)],
                 ["tasks", "add", "--format", fmt, "--path", str(tmp_path / "data"),
                  flag(key), *value]):
        assert main([*argv, "--home", str(home)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("geneb: error:") and len(err.splitlines()) == 1, err
        assert message in err and "drop it" in err
    assert not home.exists()


def test_auto_format_names_the_loader_it_chose(tmp_path):
    layout = layout_from_mapping({"path": str(tmp_path / "x.fa"), "sep": ";"}, tmp_path)
    with pytest.raises(InputError, match=r"format 'fasta' \(decided from the path; set --format\)"):
        check_layout(layout)


@pytest.mark.parametrize("fmt, key", [("fasta", "label_pattern"), ("gue", "name"),
                                      ("genomic-benchmarks-coords", "genome")])
def test_a_field_the_loader_needs_is_named(tmp_path, fmt, key):
    with pytest.raises(InputError, match=f"format '{fmt}' needs {key}"):
        check_layout(layout_from_mapping({"format": fmt, "path": str(tmp_path)}, tmp_path))


def test_docs_show_which_loader_reads_which_key():
    from pathlib import Path

    from geneb.tasks.layout import KEYS
    docs = (Path(__file__).resolve().parents[2] / "docs" / "tasks.md").read_text()
    for key in KEYS:
        marks = " | ".join("✓" if key in COMMON or key in ld.uses else "" for ld in LOADERS.values())
        assert f"| `{key}` (`{flag(key)}`) | {marks} |" in docs, key
