"""Every page renders for every role: its own pages fully, the others as 'not permitted'."""

import pytest

from fund.auth import Role, may
from ui.navigation import PAGES


@pytest.mark.parametrize("page, title, permission", [(p, t, perm) for p, t, _, perm in PAGES])
@pytest.mark.parametrize("role", list(Role))
def test_every_page_renders_or_refuses_for_every_role(
    app, people, funded, page, title, permission, role
):
    at = app(people.by_role()[role], page)
    assert not at.exception, at.exception
    refused = [e.value for e in at.error if "Not permitted" in e.value]
    if may(role, permission):
        assert not refused
        assert at.title[0].value
    else:
        assert refused, f"{role} should be refused {page}"
