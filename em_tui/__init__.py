"""em-tui: watch and check the EM algorithm on one-dimensional Gaussian mixtures."""

__version__ = "0.1.0"
