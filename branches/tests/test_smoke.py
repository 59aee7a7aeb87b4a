def test_fixtures_build_the_three_people(secretary, member, outsider, branch_a, branch_b):
    assert member.organization == branch_a
    assert outsider.organization == branch_b
    assert secretary.roles.get().organization == branch_a
