from geneb.catalog import CATEGORIES, MODELS, TASKS, benchmark_tasks, resolve_category
from geneb.catalog.models import builtin_models


def test_catalog_has_the_100_official_tasks_in_13_categories():
    official = benchmark_tasks("geneb")
    assert len(official) == 100
    assert {t.category for t in official} == set(CATEGORIES) and len(CATEGORIES) == 13
    assert official[0].task_id == "InstaDeepAI_nucleotide_transformer_downstream_tasks_H3"


def test_catalog_has_40_official_models_and_builtins_in_one_registry():
    official = [m for m in MODELS.values() if not m.builtin]
    assert len(official) == 40
    nt = MODELS.get("nucleotide-transformer-v2-50m-multi-species")
    assert nt.hf_id == "InstaDeepAI/nucleotide-transformer-v2-50m-multi-species"
    assert nt.params == 50_000_000 and nt.arch_short == "T-enc"
    assert {m.model_id for m in builtin_models()} == {"kmer-3", "kmer-4", "kmer-5", "kmer-6",
                                                       "random-bert"}


def test_geneb_mini_covers_at_least_10_tasks_and_7_categories_and_names_official_origin():
    mini = benchmark_tasks("geneb-mini")
    assert len(mini) >= 10
    assert len({t.category for t in mini}) >= 7
    for t in mini:
        assert t.task_id.startswith("mini.")
        assert t.task_id not in [o.task_id for o in benchmark_tasks("geneb")]
        if t.official_id is not None:  # derived from an official task: same category
            assert TASKS.get(t.official_id).category == t.category
        assert t.sources and all(len(s["sha256"]) == 64 for s in t.sources)
    dev = [t for t in mini if "dev" in t.split_note]
    assert dev and all("devtrain" in t.task_id for t in dev)


def test_category_names_resolve_loosely():
    assert resolve_category("splice sites") == "Splice Sites"
    assert resolve_category("histone") == "Histone Mod."
