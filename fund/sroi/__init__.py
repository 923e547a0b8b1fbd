"""Social return on investment: impact maps, the proxy library, discounting and sensitivity.

Pure calculations (``model``, ``discount``, ``calculate``, ``sensitivity``, ``deflator``)
never touch the database; services (``service``, ``proxies``) store impact maps and the
library through the audited write path. DESIGN.md §4 is the specification.
"""
