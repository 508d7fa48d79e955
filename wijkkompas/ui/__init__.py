"""The only package that imports Streamlit: caching, widgets, maps, charts, messages."""
