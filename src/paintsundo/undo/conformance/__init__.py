"""Proof that our models are the released ones: golden vectors, key listings, the reference flow."""
