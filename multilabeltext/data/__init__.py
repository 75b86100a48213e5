"""Data preparation: readers (one module per source format), cleaning, tokenizer, tags, split, dataset dir."""
