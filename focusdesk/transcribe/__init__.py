"""Offline transcription: Whisper engines behind one interface, model management, the pipeline
that processes long recordings in windows, and the job that streams segments into the store."""
