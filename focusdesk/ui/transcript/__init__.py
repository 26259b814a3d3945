"""The transcript editor's parts: model, delegate/view, waveform strip, player, undo commands."""
