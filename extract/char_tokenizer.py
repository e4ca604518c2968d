"""A single-nucleotide tokenizer built locally (no download), as a transformers tokenizer."""

from __future__ import annotations

from tokenizers import Regex, Tokenizer, models, pre_tokenizers, processors
from transformers import PreTrainedTokenizerFast

SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
BASES = ("A", "C", "G", "T", "N")


def build_char_tokenizer() -> PreTrainedTokenizerFast:
    """One token per nucleotide, ``[CLS] ... [SEP]`` around each sequence.

    Returns
    -------
    transformers.PreTrainedTokenizerFast
        Vocabulary: 5 special tokens, then A, C, G, T, N (other letters map to [UNK]).
        It can be saved with ``save_pretrained`` and reloaded with ``AutoTokenizer``.
    """
    vocab = {tok: i for i, tok in enumerate(SPECIAL + BASES)}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                   model_input_names=["input_ids", "attention_mask"])
