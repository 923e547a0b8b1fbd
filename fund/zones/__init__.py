"""Experimental zones: areas where an idea is tested with national rules suspended.

A zone sits on a commitment (its budget) of an experimental-zone experiment (:mod:`.zone`);
its waiver register says which rules are suspended, on what basis and until when
(:mod:`.waivers`); its outcome series against its comparison areas gives its effect through
the evidence module's difference in differences (:mod:`.series`); and what an auditor must
look at is listed by :mod:`.exceptions`. Reads are in :mod:`.queries`.
"""
