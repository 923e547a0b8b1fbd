"""Evidence of what an experiment did: its results and the effect estimate (issue 11).

Pure calculations, apart from services: nothing here touches the database.
"""
