"""The model of a complaint and its fold, vocabularies, errors, times and masking."""
