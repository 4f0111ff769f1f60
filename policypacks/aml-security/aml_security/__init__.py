"""aml-security: the CrossGuard rules for the hardened Azure Machine Learning baseline (control catalogue: the pack's README.md)."""
