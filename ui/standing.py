"""Where the money stands, by ring-fence and by programme: shown beside the forms that move
it, read after any write on the run, so the figures are current."""

from fund import portfolio
from fund.auth import User
from ui import format, session


def tables(user: User) -> None:
    con = session.cursor()
    ringfences = portfolio.position(con, user, portfolio.Dimension.RINGFENCE)
    format.table(
        ringfences[["ringfence", "ring_fence", "allocated", "headroom", "committed", "paid"]]
    )
    programmes = portfolio.position(con, user, portfolio.Dimension.PROGRAMME)
    format.table(programmes[["programme", "allocated", "committed", "available", "paid"]])
