"""Ports and adapters, one package per backend; bot/services/registered.py registers every backend."""
