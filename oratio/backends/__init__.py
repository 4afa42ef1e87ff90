"""Backends render the model; they never import each other."""
