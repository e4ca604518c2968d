import subprocess
import sys

import pandas as pd

from geneb.cli.main import main


def test_unknown_task_and_model_exit_2_with_suggestion(capsys, tmp_path):
    assert main(["run", "--tasks", "prom_300_tata", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "did you mean" in err.lower() and "leannmlindsey_GUE_prom_300_tata" in err
    assert main(["models", "show", "kmer4"]) == 2
    assert "'kmer-4'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_malformed_task_file_is_one_line_exit_2_and_writes_nothing(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("sequence,label\nACGT,1\n")
    out = tmp_path / "out"
    assert main(["run", "--task-file", str(bad), "--out", str(out), "--models", "kmer-3"]) == 2
    err = capsys.readouterr().err.strip()
    # a file without a split column gets the seeded split (announced), so the error is the class
    assert err.startswith("geneb: error:") and "only one class" in err and len(err.splitlines()) == 1
    assert "Traceback" not in err and not out.exists()
    bad.write_text("sequence,label,split\nACGT,1,train\nACGA,0,trian\n")
    assert main(["run", "--task-file", str(bad), "--out", str(out), "--models", "kmer-3"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("geneb: error:") and "row 3 has split 'trian'" in err
    assert len(err.splitlines()) == 1 and not out.exists()


def test_console_script_runs_the_whole_pipeline(tmp_path, task_csv, task3_csv):
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "geneb.cli.main", "run", "--task-file", str(task_csv),
         "--task-file", str(task3_csv), "--models", "kmer-3", "kmer-4", "--out", str(out),
         "--quiet"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "leaderboard" in proc.stdout and "kmer-4" in proc.stdout
    for name in ("emb.zarr", "cube.zarr", "leaderboard.csv", "task_scores.csv", "run_info.json",
                 "report.html", "report.md"):
        assert (out / name).exists(), name
    board = pd.read_csv(out / "leaderboard.csv")
    assert set(board["regime"]) == {"1shot", "10shot", "full"} and len(board) == 6
    # report re-reads the cube
    assert main(["report", "--cube", str(out / "cube.zarr")]) == 0


def test_listing_commands(capsys):
    assert main(["tasks", "list", "--category", "splice"]) == 0
    assert "leannmlindsey_GUE_splice_reconstructed" in capsys.readouterr().out
    assert main(["models", "list", "--builtin"]) == 0
    assert "random-bert" in capsys.readouterr().out
    assert main(["tasks", "list", "--category", "splise"]) == 2
