"""Ringfence: the domain package. Every rule of the fund lives here; nothing here imports Streamlit."""
