"""Batch-level stages, which look at every shard of a batch at once: ``learn_boilerplate`` (short lines a
site repeats) and ``find_duplicates`` (exact and near copies). Pure functions over counts and signatures;
the run layer reads and writes their files."""
