"""Social venture investments: loans, equity and recoverable grants on the ledger's own
entries (a drawdown is a disbursement, a repayment or distribution a recovery, a loss a
write-off), with their terms, a loan's schedule, valuations, and the fund's returns.

- :mod:`~fund.ventures.schedule`: a loan's repayment schedule (pure);
- :mod:`~fund.ventures.terms` and :mod:`~fund.ventures.valuations`: the write path;
- :mod:`~fund.ventures.metrics`: paid-in, distributions, residual value, DPI, RVPI, TVPI
  and IRR per investment, programme and fund;
- :mod:`~fund.ventures.queries`: what the pages and the CLI read, arrears among it.
"""
