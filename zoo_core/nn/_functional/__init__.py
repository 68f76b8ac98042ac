"""Functional implementations behind zoo_core.nn.functional."""
