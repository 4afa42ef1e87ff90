"""Test helpers for systems built with oratio: Hypothesis strategies of the model (``oratio.testing.strategies``).

They need Hypothesis (``pip install 'oratio[test]'``); the model itself does not.
"""
