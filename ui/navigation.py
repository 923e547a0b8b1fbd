"""The app's pages and the permission each one needs; the menu shows a role only its own."""

from fund.auth import Permission

PAGES = [
    ("pages/portfolio.py", "Portfolio", ":material/dashboard:", Permission.READ_SUMMARY),
    ("pages/board.py", "Board", ":material/groups:", Permission.READ_SUMMARY),
    ("pages/sroi.py", "SROI", ":material/volunteer_activism:", Permission.READ_SUMMARY),
    ("pages/evidence.py", "Evidence", ":material/biotech:", Permission.READ_LEDGER),
    ("pages/lessons.py", "Lessons", ":material/school:", Permission.READ_SUMMARY),
    ("pages/pbr.py", "Payment by results", ":material/handshake:", Permission.READ_SUMMARY),
    ("pages/grants.py", "Small grants", ":material/redeem:", Permission.READ_LEDGER),
    ("pages/zones.py", "Experimental zones", ":material/map:", Permission.READ_SUMMARY),
    ("pages/ventures.py", "Social ventures", ":material/rocket_launch:", Permission.READ_SUMMARY),
    ("pages/allocate.py", "Allocate", ":material/payments:", Permission.ALLOCATE),
    ("pages/experiments.py", "Experiments", ":material/science:", Permission.MANAGE_PORTFOLIO),
    (
        "pages/fund_setup.py",
        "Ring-fences and programmes",
        ":material/account_balance:",
        Permission.MANAGE_PORTFOLIO,
    ),
    ("pages/verification.py", "Verification", ":material/verified:", Permission.VERIFY_OUTCOMES),
    ("pages/audit.py", "Audit", ":material/fact_check:", Permission.REVIEW),
    ("pages/admin.py", "Admin", ":material/manage_accounts:", Permission.MANAGE_USERS),
]
