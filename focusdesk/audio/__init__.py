"""Audio: capture, decoding, probing, levels."""
