"""The condition language (docs/language.md): one meaning (`semantics`), three compilers.

- `semantics`: what missing, null and each comparison mean, as primitive tests;
- `sql`: parameterised DuckDB SQL over JSON columns (funnels, entry filters, masks);
- `python`: a predicate over parsed JSON (Spark's executor, the tests' reference);
- `bits`: the replay's form, over per-row filter bits and a customer's history.
"""
