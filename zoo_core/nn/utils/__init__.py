"""``zoo_core.nn.utils``: gradient clipping, parameter vectors, ``rnn`` padding/packing helpers."""
