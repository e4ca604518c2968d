"""Tiny randomly initialised models of every family geneb runs, saved like Hub checkpoints.

Real transformers configs and real tokenizers (built locally with ``tokenizers``):
single-nucleotide, non-overlapping k-mer and BPE. Each is written with ``save_pretrained``
into a folder that geneb then loads BY PATH, exactly as it would load a Hub id.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import torch
from tokenizers import Regex, Tokenizer, models, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

from geneb.extract.char_tokenizer import build_char_tokenizer

HIDDEN = 32

#: Architecture families the tests build tiny models of.
FAMILIES = ("bert", "esm", "gpt2", "llama", "mistral", "mamba")


def kmer_tokenizer(k: int = 3) -> PreTrainedTokenizerFast:
    """Non-overlapping k-mers (leftover bases one by one), ESM-style specials."""
    import itertools
    special = ["<cls>", "<pad>", "<eos>", "<unk>", "<mask>"]
    kmers = ["".join(p) for p in itertools.product("ACGT", repeat=k)]
    vocab = {t: i for i, t in enumerate(special + kmers + list("ACGTN"))}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(f"[ACGT]{{{k}}}|."), behavior="isolated")
    tok.post_processor = processors.TemplateProcessing(
        single="<cls> $A", special_tokens=[("<cls>", vocab["<cls>"])])
    return PreTrainedTokenizerFast(tokenizer_object=tok, cls_token="<cls>", pad_token="<pad>",
                                   eos_token="<eos>", unk_token="<unk>", mask_token="<mask>",
                                   model_max_length=64,
                                   model_input_names=["input_ids", "attention_mask"])


def bpe_tokenizer(vocab_size: int = 64, bos_eos: bool = True) -> PreTrainedTokenizerFast:
    """Byte-pair encoding trained on random DNA (decoder style: BOS ... , pad = EOS)."""
    rng = random.Random(0)
    corpus = ["".join(rng.choice("ACGT") for _ in range(200)) for _ in range(200)]
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<unk>", "<s>", "</s>"],
                                  initial_alphabet=list("ACGTN"), show_progress=False)
    tok.train_from_iterator(corpus, trainer)
    if bos_eos:
        tok.post_processor = processors.TemplateProcessing(
            single="<s> $A", special_tokens=[("<s>", tok.token_to_id("<s>"))])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>",
                                   unk_token="<unk>", model_max_length=128,
                                   model_input_names=["input_ids", "attention_mask"])


def _save(model, tokenizer, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build(family: str, folder: Path) -> Path:
    """Build the tiny model of ``family`` and save it (with its tokenizer) to ``folder``."""
    import transformers as tf
    torch.manual_seed(0)
    small = dict(hidden_size=HIDDEN, num_hidden_layers=2, num_attention_heads=2,
                 intermediate_size=64)
    if family == "bert":  # encoder, single-nucleotide tokens, [CLS] ... [SEP]
        tok = build_char_tokenizer()
        tok.model_max_length = 64
        model = tf.BertModel(tf.BertConfig(vocab_size=len(tok), max_position_embeddings=64,
                                           pad_token_id=tok.pad_token_id, **small),
                             add_pooling_layer=False)
    elif family == "esm":  # Nucleotide-Transformer-style encoder, 3-mer tokens
        tok = kmer_tokenizer(3)
        model = tf.EsmModel(tf.EsmConfig(vocab_size=len(tok), max_position_embeddings=66,
                                         pad_token_id=tok.pad_token_id,
                                         mask_token_id=tok.mask_token_id,
                                         position_embedding_type="rotary", **small),
                            add_pooling_layer=False)
    elif family == "gpt2":
        tok = bpe_tokenizer()
        model = tf.GPT2Model(tf.GPT2Config(vocab_size=len(tok), n_positions=128, n_embd=HIDDEN,
                                           n_layer=2, n_head=2, bos_token_id=tok.bos_token_id,
                                           eos_token_id=tok.eos_token_id))
    elif family in ("llama", "mistral"):
        tok = bpe_tokenizer()
        cls = (tf.LlamaConfig, tf.LlamaModel) if family == "llama" else \
            (tf.MistralConfig, tf.MistralModel)
        model = cls[1](cls[0](vocab_size=len(tok), max_position_embeddings=128,
                              num_key_value_heads=1, **small))
    elif family == "mamba":  # state-space model, single-nucleotide tokens
        tok = build_char_tokenizer()
        tok.model_max_length = 256
        model = tf.MambaModel(tf.MambaConfig(vocab_size=len(tok), hidden_size=HIDDEN,
                                             state_size=4, num_hidden_layers=2,
                                             pad_token_id=tok.pad_token_id,
                                             use_mambapy=True))
    else:
        raise ValueError(family)
    return _save(model.eval(), tok, folder)


REMOTE_CODE = '''
import torch
from transformers import PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import BaseModelOutput


class TinyDNAConfig(PretrainedConfig):
    model_type = "tiny-dna-remote"

    def __init__(self, vocab_size=16, hidden_size=8, **kw):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        super().__init__(**kw)


class TinyDNAModel(PreTrainedModel):
    config_class = TinyDNAConfig

    def __init__(self, config):
        super().__init__(config)
        self.emb = torch.nn.Embedding(config.vocab_size, config.hidden_size)
        self.proj = torch.nn.Linear(config.hidden_size, config.hidden_size)
        self.post_init()

    def forward(self, input_ids, attention_mask=None, output_hidden_states=False, **kw):
        h0 = self.emb(input_ids)
        h1 = torch.tanh(self.proj(h0))
        return BaseModelOutput(last_hidden_state=h1,
                               hidden_states=(h0, h1) if output_hidden_states else None)
'''


def build_remote_code(folder: Path) -> Path:
    """A model whose code lives with its weights: modeling file + ``auto_map`` in config."""
    import importlib.util
    import sys
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "modeling_tinydna.py").write_text(REMOTE_CODE)
    spec = importlib.util.spec_from_file_location("modeling_tinydna",
                                                  folder / "modeling_tinydna.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["modeling_tinydna"] = mod
    spec.loader.exec_module(mod)
    tok = build_char_tokenizer()
    torch.manual_seed(0)
    model = mod.TinyDNAModel(mod.TinyDNAConfig(vocab_size=len(tok), hidden_size=8))
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    cfg = json.loads((folder / "config.json").read_text())
    cfg["auto_map"] = {"AutoConfig": "modeling_tinydna.TinyDNAConfig",
                       "AutoModel": "modeling_tinydna.TinyDNAModel"}
    (folder / "config.json").write_text(json.dumps(cfg))
    del sys.modules["modeling_tinydna"]
    return folder
