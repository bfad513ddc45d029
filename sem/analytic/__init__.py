"""Closed-form (analytic) reference solutions used to verify the spectral-element solver."""
