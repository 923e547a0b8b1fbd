"""Streamlit glue shared by app.py and the pages: the session, formatting and charts.

Nothing here holds a rule of the fund; it only connects people to :mod:`fund`.
"""
