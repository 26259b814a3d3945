"""Coding and analysis widgets: frame editor, coding panel, retrieval and analysis views.

They talk to the transcript editor only through its small public interface (selection_range,
selection_changed, current_segment_id, refresh_annotations, add_context_menu_provider, seek,
play_range), typed as ``ui/interfaces.CodableEditor`` so a rename on either side fails in the tests.
"""
