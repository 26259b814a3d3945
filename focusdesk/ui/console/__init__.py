"""The live session console: recorder controls, meters, the guide and the tagging keys."""
