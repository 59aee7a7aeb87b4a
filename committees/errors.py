from branches.errors import DomainError


class CommitteeError(DomainError):
    default_code = "committee_refused"
