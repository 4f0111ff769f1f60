"""aml-security: the CrossGuard rules for the hardened Azure Machine Learning baseline (see RULES.md)."""
